import { Kysely, PostgresDialect, type LogConfig } from 'kysely';
import pg from 'pg';

export interface DatabaseOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** The service's own schema; every connection of the pool resolves unqualified names in it. */
  schema: string;
  poolMax?: number;
  applicationName?: string;
  log?: LogConfig;
  /**
   * A pooled connection failed (server restart or failover, `DROP DATABASE … WITH (FORCE)`), idle or checked
   * out. pg discards it (an idle one at once, a checked-out one when it is released) and the next checkout
   * connects anew; the query that was running on it fails on its own. Without a listener, pg's 'error'
   * event on the connection would crash the process.
   */
  onConnectionError?: (error: Error) => void;
}

export interface Database<DB> {
  db: Kysely<DB>;
  pool: pg.Pool;
  /** Ends the pool; safe to call more than once. */
  close(): Promise<void>;
}

export function createDatabase<DB>(options: DatabaseOptions): Database<DB> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax ?? 10,
    application_name: options.applicationName,
    options: connectionOptions(options.schema),
    types: typeParsers,
    // Fail a checkout instead of hanging forever when the database is unreachable or the pool is exhausted.
    connectionTimeoutMillis: 10_000,
  });
  // pg-pool listens on a connection only while it is idle; a connection lost while checked out (in a
  // transaction, a consumer batch, the outbox's LISTEN) would emit 'error' with nobody listening. Every
  // connection gets its own listener for its whole life, which reports idle failures too: the pool's
  // re-emission of those is therefore only acknowledged here.
  pool.on('connect', (client) => client.on('error', (error) => options.onConnectionError?.(error)));
  pool.on('error', () => undefined);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log: options.log });
  let closing: Promise<void> | undefined;
  return {
    db,
    pool,
    close: () => (closing ??= db.destroy()),
  };
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid schema name "${schema}": use lower-case letters, digits and _ (it must not need quoting)`);
  }
}

/**
 * Session settings sent in the connection's startup packet (libpq `options`), so they hold for every
 * connection the pool opens before any query runs: Kysely queries, raw sql`` text, and clients taken
 * with `pool.connect()` for LISTEN/NOTIFY alike. Kysely's WithSchemaPlugin would only qualify names in
 * query-builder nodes (raw SQL and plain pg clients would miss it), and a `SET` in the pool's 'connect'
 * event is not awaited by pg. Caveat: PgBouncer in transaction mode drops startup options; there, set
 * `search_path` on the service's role instead (`ALTER ROLE … SET search_path = …`).
 *
 * search_path is the service's schema alone (not `public`), so a forgotten table is an error rather than
 * a silent read of someone else's. TimeZone is UTC so timestamptz text and date_trunc never depend on
 * the server's configuration; local-time logic converts explicitly with the user's IANA zone.
 */
export function connectionOptions(schema: string): string {
  assertSchemaName(schema);
  return `-c search_path=${schema} -c TimeZone=UTC`;
}

const INT8_OID = 20;
const DATE_OID = 1082;

/**
 * The one place that decides how Postgres values become JavaScript values (per pool, not pg's global
 * registry, so other pg users in the process are unaffected):
 * - int8 (bigint, bigserial, count(*)) → number. Our int8 values are ids and counts far below 2^53;
 *   a value beyond Number.MAX_SAFE_INTEGER fails the query rather than losing precision silently.
 *   (int8[] keeps pg's default of string[].)
 * - date → the 'YYYY-MM-DD' string as stored. pg's default makes a Date at *local* midnight of the
 *   process, which shifts the calendar day in any non-UTC process; our days are user-local dates.
 * - timestamptz → Date (pg's default, unchanged).
 */
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary' && oid === INT8_OID) return parseInt8;
    if (format !== 'binary' && oid === DATE_OID) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} is outside the safe integer range of number`);
  return n;
}
