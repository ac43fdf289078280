import type { ColumnType, Generated } from 'kysely';
import type { DevClockTables, Queryable } from '@omtobe/db';
import type { ErasureTables, InboxTables, OutboxTables } from '@omtobe/events';
import type { HrvMetricName } from '@omtobe/proto/integrations/v1';
import type { GraphSubscriptionsTable } from './microsoft.table.ts';

/** The integrations service's schema. */
export const schema = 'integrations';

export type HrvSourceName = 'healthkit' | 'whoop' | 'mock';
/** Where a stored high-stakes event came from (`device`: the phone's own calendars, UploadCalendarEvents). */
export type CalendarSourceName = 'google' | 'mock' | 'device' | 'microsoft';
export type ProviderName = 'whoop' | 'google_calendar' | 'microsoft';

/** Users this service has heard of (users.v1): the mock providers serve them; nothing else is kept. */
export interface KnownUsersTable {
  user_id: string;
  timezone: string;
  registered_at: Date;
  /** Development mock: the stream stays this fraction below normal until `mock_drop_until`. */
  mock_drop_ratio: number | null;
  mock_drop_until: Date | null;
}

export interface HrvSamplesTable {
  user_id: string;
  source: HrvSourceName;
  /** HealthKit UUID, WHOOP sleep id, or a mock id: unique within (user, source). */
  sample_id: string;
  metric: HrvMetricName;
  value_ms: number;
  measured_at: Date;
  received_at: Date;
}

/** High-stakes events only: other events are never written. */
export interface CalendarEventsTable {
  user_id: string;
  source: CalendarSourceName;
  event_id: string;
  title: string;
  starts_at: Date;
  ends_at: Date;
  updated_at: Date;
}

export type ConnectionStatus = 'active' | 'reauth_required';

/** A user's grant at a provider, tokens sealed: what a connection holds and what an unredeemed grant holds. */
export interface SealedGrantColumns {
  user_id: string;
  provider: ProviderName;
  /** The provider's id of the account (WHOOP user id), for routing webhooks; null where unused. */
  provider_user_id: string | null;
  /** AES-256-GCM ciphertexts (domain/token-cipher.ts); `key_id` names the key of both. */
  access_token: Uint8Array;
  refresh_token: Uint8Array;
  key_id: string;
  access_expires_at: Date;
  scope: string;
}

export interface ConnectionsTable extends SealedGrantColumns {
  status: ConnectionStatus;
  connected_at: Date;
  last_synced_at: Date | null;
  /** Google Calendar's nextSyncToken; null means the next sync is a full one. */
  sync_cursor: string | null;
  full_synced_at: Date | null;
  /** When the next sync should run (null: none planned). */
  sync_due_at: Date | null;
  /** A replica working on this connection owns it until then. */
  sync_lease_until: Date | null;
  sync_failures: Generated<number>;
}

export interface OAuthStatesTable {
  /** sha256 of the `state` sent to the provider: a database leak does not hand out live states. */
  state_hash: string;
  user_id: string;
  provider: ProviderName;
  expires_at: Date;
  /** The PKCE verifier (providers that support PKCE), encrypted bound to the state's hash; null otherwise. */
  code_verifier: Uint8Array | null;
}

/**
 * A grant a callback exchanged, kept aside until the user who started the flow redeems it: found by the sha256 of
 * the one-time code the app was handed; tokens sealed as a connection's (operations/connections/token-vault.ts).
 */
export interface OAuthGrantsTable extends SealedGrantColumns {
  code_hash: string;
  expires_at: Date;
}

export interface CalendarChannelsTable {
  channel_id: string;
  user_id: string;
  resource_id: string;
  /** sha256 of the channel token Google echoes in X-Goog-Channel-Token. */
  token_hash: string;
  expires_at: Date;
  created_at: Date;
}

/** WHOOP deliveries already applied, by trace id (replays are answered, not applied). */
export interface WebhookDeliveriesTable {
  trace_id: string;
  received_at: Date;
}

/**
 * Grants to revoke at a provider after a disconnect or an erasure. The row carries no user id: the
 * tokens are re-encrypted bound to the row's own id, so an erased user leaves nothing behind but a
 * credential that is about to stop working.
 */
export interface RevocationsTable {
  id: string;
  provider: ProviderName;
  access_token: Uint8Array;
  refresh_token: Uint8Array;
  key_id: string;
  /** Google push channels to stop: [{ id, resourceId }] (written as JSON text: pg would send an array as a Postgres array). */
  channels: ColumnType<ChannelRef[], string, string>;
  attempts: Generated<number>;
  due_at: Date;
  lease_until: Date | null;
  /** When a provider's rate limit first held this revocation back (null: never); bounds how long rate limits may. */
  rate_limited_since: Date | null;
}

export interface ChannelRef {
  id: string;
  resourceId: string;
}

/** A phone registered for pushes. The token is encrypted (bound to user and row) and looked up by its sha256. */
export interface DevicesTable {
  device_id: string;
  user_id: string;
  platform: 'ios' | 'android';
  environment: 'sandbox' | 'production';
  /** AES-256-GCM ciphertext (domain/token-cipher.ts) of the push token; `key_id` names its key. */
  token: Uint8Array;
  key_id: string;
  /** sha256 (hex) of the token: one row per token, whoever registered it. */
  token_hash: string;
  registered_at: Date;
  updated_at: Date;
}

export type PushKindName = 'brake' | 'reflection' | 'reading';
export type PushStatus = 'pending' | 'sent' | 'device_gone' | 'expired' | 'cancelled' | 'dead';

/**
 * One push of one prompt transition to one device (unique per pair: a redelivered transition adds nothing). No
 * title, no HRV: the kind, the ids and the expiry are all a push is made of.
 */
export interface PushDeliveriesTable {
  delivery_id: string;
  transition_id: string;
  device_id: string;
  user_id: string;
  kind: PushKindName;
  event_id: string | null;
  expires_at: Date;
  status: PushStatus;
  attempts: Generated<number>;
  /** When the next try is due (pending rows). */
  due_at: Date;
  /** A replica sending this row owns it until then. */
  lease_until: Date | null;
  /** The last failure: a reason code such as `apns 500` or `fcm UNAVAILABLE`, never a token. */
  last_error: string | null;
  created_at: Date;
  /** When the row reached its final status. */
  finished_at: Date | null;
}

export interface Database extends OutboxTables, InboxTables, DevClockTables, ErasureTables {
  devices: DevicesTable;
  push_deliveries: PushDeliveriesTable;
  known_users: KnownUsersTable;
  hrv_samples: HrvSamplesTable;
  calendar_events: CalendarEventsTable;
  connections: ConnectionsTable;
  oauth_states: OAuthStatesTable;
  oauth_grants: OAuthGrantsTable;
  calendar_channels: CalendarChannelsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  revocations: RevocationsTable;
  graph_subscriptions: GraphSubscriptionsTable;
}

/** Repositories take the pool or a transaction alike; locking reads take a `Transaction<Database>` instead. */
export type Db = Queryable<Database>;
