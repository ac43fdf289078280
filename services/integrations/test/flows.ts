// Steps several tests share: connecting providers the way a user would, and signing WHOOP deliveries.
import { createHmac, randomUUID } from 'node:crypto';
import { ConnectError } from '@connectrpc/connect';
import { sql } from 'kysely';
import pino from 'pino';
import { errorReasonHeader } from '@omtobe/platform';
import { Provider } from '@omtobe/proto/integrations/v1';
import { createWhoopApi } from '../src/providers/whoop/whoop-api.ts';
import { rememberUser } from '../src/store/users.repo.ts';
import { logger, type Harness } from './harness.ts';

/**
 * A clean slate for one test of a file that shares a harness, so that any test runs alone or in any order: the
 * clock at `at`, the fake WHOOP and Google empty (the WHOOP limits back to WHOOP's defaults), no connection, push
 * channel or queued revocation left by another test, the service's own logger, and a fresh WHOOP client (its
 * rate-limit pause is process state). The fakes run on the test clock; the WHOOP client's inline waits are recorded
 * instead of slept, so the fake WHOOP counts them as time gone by. Tests then connect what they need, with user
 * ids of their own.
 */
export async function freshProviders(h: Harness, at: Date): Promise<void> {
  h.clock.set(at);
  h.whoop.reset();
  h.google.reset();
  h.sleeps.length = 0;
  h.whoop.now = () => new Date(h.clock.now().getTime() + h.sleeps.reduce((sum, ms) => sum + ms, 0));
  h.google.now = () => h.clock.now();
  await sql`truncate connections, calendar_channels, revocations`.execute(h.svc.db);
  h.svc.logger = logger;
  h.svc.whoop = createWhoopApi({
    ...h.svc.settings.whoop!,
    clock: h.clock,
    logger,
    maxInlineWaitMs: h.svc.settings.maxInlineRetryWaitMs,
    sleep: async (ms) => void h.sleeps.push(ms),
  });
}

/** Log lines of the service while `h.svc.logger` is the returned logger (freshProviders puts the quiet one back). */
export function captureLogs(h: Harness): Array<Record<string, unknown> & { msg: string }> {
  const lines: Array<Record<string, unknown> & { msg: string }> = [];
  h.svc.logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return lines;
}

/**
 * The user as users.v1 UserRegistered leaves them (known, no mock history): uploads, connects and devices are
 * refused for anyone else. Idempotent. Tests of the consumer itself publish the real event instead.
 */
export async function knownUser(h: Harness, userId: string, timezone = 'Europe/London'): Promise<void> {
  await rememberUser(h.svc.db, userId, timezone, h.clock.now());
}

/** The app redirect a callback answered: its one-time redemption code. */
export function redemptionCode(done: { appRedirectUrl: string }): string {
  return new URL(done.appRedirectUrl).searchParams.get('code')!;
}

/** StartConnection → (the user consents at WHOOP) → the callback (CompleteConnection) → the app redeems (RedeemConnection). */
export async function connectWhoop(h: Harness, userId: string, whoopUserId: string): Promise<URL> {
  await knownUser(h, userId);
  const started = await h.client.startConnection({ userId, provider: Provider.WHOOP });
  const url = new URL(started.authorizationUrl);
  const done = await h.client.completeConnection({ provider: Provider.WHOOP, code: h.whoop.issueCode(whoopUserId), state: url.searchParams.get('state')!, error: '' });
  await h.client.redeemConnection({ userId, provider: Provider.WHOOP, code: redemptionCode(done) });
  return url;
}

export async function connectGoogle(h: Harness, userId: string): Promise<URL> {
  await knownUser(h, userId);
  const started = await h.client.startConnection({ userId, provider: Provider.GOOGLE_CALENDAR });
  const url = new URL(started.authorizationUrl);
  const done = await h.client.completeConnection({ provider: Provider.GOOGLE_CALENDAR, code: h.google.issueCode(url), state: url.searchParams.get('state')!, error: '' });
  await h.client.redeemConnection({ userId, provider: Provider.GOOGLE_CALENDAR, code: redemptionCode(done) });
  return url;
}

/** StartConnection → (the user consents at Microsoft: PKCE S256, msal's URL) → the callback → the app redeems. */
export async function connectMicrosoft(h: Harness, userId: string): Promise<URL> {
  await knownUser(h, userId);
  const started = await h.client.startConnection({ userId, provider: Provider.MICROSOFT });
  const url = new URL(started.authorizationUrl);
  const done = await h.client.completeConnection({ provider: Provider.MICROSOFT, code: h.graph.issueCode(url), state: url.searchParams.get('state')!, error: '' });
  await h.client.redeemConnection({ userId, provider: Provider.MICROSOFT, code: redemptionCode(done) });
  return url;
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
    select access_token, refresh_token, key_id, sync_due_at, sync_cursor, status from connections where user_id = ${userId} and provider = ${provider}`.execute(h.svc.db);
  return rows.rows[0];
}

export async function outboxIsEmpty(h: Harness): Promise<boolean> {
  const rows = await sql<{ n: number }>`select count(*)::int as n from outbox`.execute(h.svc.db);
  return rows.rows[0]!.n === 0;
}

/** The Connect code and the domain's machine reason of a refused call. */
export async function refusal(call: Promise<unknown>): Promise<{ code: number; reason: string | null }> {
  try {
    await call;
  } catch (error) {
    const e = ConnectError.from(error);
    return { code: e.code, reason: e.metadata.get(errorReasonHeader) };
  }
  throw new Error('the call was not refused');
}
