// Steps several tests share: connecting providers the way a user would, and signing WHOOP deliveries.
import { createHmac, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pino from 'pino';
import { Provider } from '@omtobe/proto/integrations/v1';
import { rememberUser } from '../src/store/users.repo.ts';
import type { Harness } from './harness.ts';

/** Log lines of the service while `h.deps.logger` is the returned logger (freshProviders puts the quiet one back). */
export function captureLogs(h: Harness): Array<Record<string, unknown> & { msg: string }> {
  const lines: Array<Record<string, unknown> & { msg: string }> = [];
  h.deps.logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return lines;
}

/**
 * The user as users.v1 UserRegistered leaves them (known, no mock history): uploads, connects and devices are
 * refused for anyone else. Idempotent. Tests of the consumer itself publish the real event instead.
 */
export async function knownUser(h: Harness, userId: string, timezone = 'Europe/London'): Promise<void> {
  await rememberUser(h.deps.db, userId, timezone, h.clock.now());
}

/** The app redirect a callback answered: its one-time redemption code. */
export function redemptionCode(done: { appRedirectUrl: string }): string {
  return new URL(done.appRedirectUrl).searchParams.get('code')!;
}

/**
 * StartConnection → the user consents at the provider (`consent` reads the authorization URL and answers the code the
 * provider hands the callback) → the callback (CompleteConnection) → the app redeems (RedeemConnection).
 */
async function connect(h: Harness, userId: string, provider: Provider, consent: (authorizationUrl: URL) => string): Promise<URL> {
  await knownUser(h, userId);
  const started = await h.client.startConnection({ userId, provider });
  const url = new URL(started.authorizationUrl);
  const done = await h.client.completeConnection({ provider, code: consent(url), state: url.searchParams.get('state')!, error: '' });
  await h.client.redeemConnection({ userId, provider, code: redemptionCode(done) });
  return url;
}

export function connectWhoop(h: Harness, userId: string, whoopUserId: string): Promise<URL> {
  return connect(h, userId, Provider.WHOOP, () => h.whoop.issueCode(whoopUserId));
}

export function connectGoogle(h: Harness, userId: string): Promise<URL> {
  return connect(h, userId, Provider.GOOGLE_CALENDAR, (url) => h.google.issueCode(url));
}

/** Microsoft's consent checks the PKCE S256 challenge of msal's URL. */
export function connectMicrosoft(h: Harness, userId: string): Promise<URL> {
  return connect(h, userId, Provider.MICROSOFT, (url) => h.graph.issueCode(url));
}

/** A delivery as WHOOP would send it, signed with the client secret (computed here, independently of the service). */
export function whoopDelivery(h: Harness, body: { user_id: number; id: string; type: string; trace_id?: string }, options: { at?: Date; secret?: string } = {}) {
  const raw = Buffer.from(JSON.stringify({ trace_id: randomUUID(), ...body }));
  const timestamp = String((options.at ?? h.clock.now()).getTime());
  const signature = createHmac('sha256', options.secret ?? h.whoop.clientSecret).update(timestamp).update(raw).digest('base64');
  return { body: raw, signature, signatureTimestamp: timestamp };
}

/** The connection row as stored, raw bytes and all. */
export async function rawConnection(h: Harness, userId: string, provider: string) {
  const rows = await sql<{ access_token: Buffer; refresh_token: Buffer; key_id: string; sync_due_at: Date | null; sync_cursor: string | null; status: string }>`
    select access_token, refresh_token, key_id, sync_due_at, sync_cursor, status from connections where user_id = ${userId} and provider = ${provider}`.execute(h.deps.db);
  return rows.rows[0];
}

export async function outboxIsEmpty(h: Harness): Promise<boolean> {
  const rows = await sql<{ n: number }>`select count(*)::int as n from outbox`.execute(h.deps.db);
  return rows.rows[0]!.n === 0;
}
