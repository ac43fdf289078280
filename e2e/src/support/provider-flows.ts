// What the whole-stack tests of the provider edges share: a user as the app makes one, provider connections made
// the way a person makes them (connect → consent at the fake provider → the public callback → the app redeems the
// code), WHOOP deliveries signed as WHOOP signs them, and direct reads of every service's schema.
import { createHmac } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { createDatabase } from '@omtobe/db';
import { AppClient, type Json } from './app-client.ts';

/** A registered user (POST /users answered 201) with a development login. */
export async function registeredUser(gatewayUrl: string, userId: string, timezone: string): Promise<AppClient> {
  const client = new AppClient(gatewayUrl);
  await client.login(userId);
  const reply = await client.send('POST', '/api/v1/users', { email: `${userId}@example.com`, timezone });
  if (reply.status !== 201) throw new Error(`registering ${userId}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return client;
}

/** A GET of the public OAuth callback, as the browser makes it after consent; the redirect is not followed. */
export async function oauthCallback(gatewayUrl: string, provider: 'whoop' | 'google-calendar' | 'microsoft', query: Record<string, string>) {
  const response = await fetch(`${gatewayUrl}/api/v1/providers/${provider}/callback?${new URLSearchParams(query)}`, { redirect: 'manual' });
  const text = await response.text();
  return { status: response.status, location: response.headers.get('location'), body: (text ? JSON.parse(text) : {}) as Json };
}

/** POST /providers/:provider/connect: the authorization URL the app opens (its `state` is the one the callback must bring back). */
export async function startConnecting(client: AppClient, provider: 'whoop' | 'google-calendar' | 'microsoft'): Promise<URL> {
  return new URL((await client.ok('POST', `/api/v1/providers/${provider}/connect`)).authorization_url as string);
}

/** The callback (state + the fake provider's code) then the app's redemption of the one-time code it was handed. */
export async function finishConnecting(gatewayUrl: string, client: AppClient, provider: 'whoop' | 'google-calendar' | 'microsoft', authorizationUrl: URL, code: string): Promise<void> {
  const callback = await oauthCallback(gatewayUrl, provider, { code, state: authorizationUrl.searchParams.get('state')! });
  if (callback.status !== 302 || !callback.location) throw new Error(`callback: ${callback.status} ${JSON.stringify(callback.body)}`);
  const appUrl = new URL(callback.location);
  const done = await client.send('POST', `/api/v1/providers/${provider}/complete`, { code: appUrl.searchParams.get('code') });
  if (done.status !== 200) throw new Error(`complete: ${done.status} ${JSON.stringify(done.body)}`);
}

/**
 * WHOOP's signature (developer.whoop.com, webhooks v2), computed here from the documentation alone:
 * base64(HMAC-SHA256(key = client secret, message = X-WHOOP-Signature-Timestamp + the raw body)), no separator.
 */
export function whoopSignature(secret: string, timestamp: string, rawBody: string): string {
  return createHmac('sha256', secret).update(Buffer.concat([Buffer.from(timestamp, 'utf8'), Buffer.from(rawBody, 'utf8')])).digest('base64');
}

/** POST /webhooks/whoop with exactly these bytes and headers. */
export async function postWhoopWebhook(gatewayUrl: string, rawBody: string, headers: { signature: string; timestamp: string; contentType?: string }) {
  const response = await fetch(`${gatewayUrl}/api/v1/webhooks/whoop`, {
    method: 'POST',
    headers: { 'content-type': headers.contentType ?? 'application/json', 'x-whoop-signature': headers.signature, 'x-whoop-signature-timestamp': headers.timestamp },
    body: rawBody,
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
}

/** A Google push notification as Google sends it: no body, everything in X-Goog-* headers. */
export async function postGoogleNotification(
  gatewayUrl: string,
  n: { channelId: string; token: string; resourceId: string; state: 'sync' | 'exists' | 'not_exists'; messageNumber: number },
) {
  const response = await fetch(`${gatewayUrl}/api/v1/webhooks/google-calendar`, {
    method: 'POST',
    headers: {
      'X-Goog-Channel-ID': n.channelId,
      'X-Goog-Channel-Token': n.token,
      'X-Goog-Resource-ID': n.resourceId,
      'X-Goog-Resource-State': n.state,
      'X-Goog-Message-Number': String(n.messageNumber),
      'X-Goog-Resource-URI': 'https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json',
      'X-Goog-Channel-Expiration': new Date(Date.now() + 7 * 86_400_000).toUTCString(),
    },
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
}

/** The error code of an error answer. */
export const errorCode = (reply: { body: Json }): unknown => (reply.body.error as Json | undefined)?.code;

/** The stack's database, for reading what the services stored (never for writing). */
export function openStackDatabase(databaseUrl: string): { db: Kysely<unknown>; close(): Promise<void> } {
  const database = createDatabase<unknown>({ url: databaseUrl, schema: 'public', poolMax: 2, applicationName: 'gateway-edges-test' });
  return { db: database.db, close: () => database.close() };
}

/** A table holding users' rows, by schema and name. */
export interface UserTable {
  schema: string;
  table: string;
}

/**
 * Every table of every service's schema with a `user_id` column, as the migrations made them: a table added later
 * is in this list without anyone editing the test.
 */
export async function userTables(db: Kysely<unknown>): Promise<UserTable[]> {
  const rows = await sql<UserTable>`
    select c.table_schema as schema, c.table_name as table
      from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
     where c.column_name = 'user_id' and c.table_schema not in ('pg_catalog', 'information_schema', 'public')
     order by 1, 2`.execute(db);
  return rows.rows;
}

/** Every outbox table (its `key` is the user id of the events waiting in it). */
export async function outboxTables(db: Kysely<unknown>): Promise<UserTable[]> {
  const rows = await sql<UserTable>`
    select table_schema as schema, table_name as table from information_schema.tables
     where table_name = 'outbox' and table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema', 'public')
     order by 1`.execute(db);
  return rows.rows;
}

/** How many rows of the user each table holds ("schema.table" → count). */
export async function rowsOf(db: Kysely<unknown>, tables: readonly UserTable[], userId: string, column = 'user_id'): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { schema, table } of tables) {
    const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(`${schema}.${table}`)} where ${sql.ref(column)} = ${userId}`.execute(db);
    counts[`${schema}.${table}`] = result.rows[0]!.n;
  }
  return counts;
}

/** Rows of a whole table (e.g. integrations.revocations, which holds no user id). */
export async function countRows(db: Kysely<unknown>, schema: string, table: string): Promise<number> {
  const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(`${schema}.${table}`)}`.execute(db);
  return result.rows[0]!.n;
}

