/**
 * A Microsoft Graph change-notification subscription on a user's events (one per user, replaced when Graph drops
 * it). `clientState` is a random secret Graph echoes in every notification: only its sha256 is kept, and a
 * notification is accepted when the secret it carries hashes to it (compared in constant time).
 */
export interface GraphSubscriptionsTable {
  subscription_id: string;
  user_id: string;
  client_state_hash: string;
  /** As Graph granted it (Outlook caps event subscriptions at 4,230 minutes). */
  expires_at: Date;
  created_at: Date;
  renewed_at: Date | null;
  /** Graph asked for reauthorization (lifecycle `reauthorizationRequired`): the next sync renews it whatever its expiry. */
  reauthorize_requested_at: Date | null;
}
