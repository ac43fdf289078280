// The floor: the cheapest honest way to answer POST /api/v1/state/check — one Node process, node:http, the
// caller identified by the same ES256 token (signature, issuer, audience and expiry checked against the same
// JWKS), the same rows read from the same PostgreSQL with `pg` in one prepared statement, the brake rules,
// JSON out; and, like the state engine, the shown brake remembered. No framework, no second hop, no ORM.
// Prints `LISTENING <port>` when ready.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { answer, type FloorRow } from './brake-rules.ts';

interface FloorConfig {
  databaseUrl: string;
  jwksUrl: string;
  issuer: string;
  audience: string;
  poolMax: number;
  /**
   * 1: one prepared statement (the floor). 3: the state engine's reads as it makes them — the user's state,
   * then the latest readings and the running events at once, each an unprepared statement — to price the
   * round trips (an experiment, `--floor-queries=3`).
   */
  queries: 1 | 3;
}

const config = JSON.parse(process.argv[2]!) as FloorConfig;
const jwks = (await (await fetch(config.jwksUrl)).json()) as { keys: Array<Record<string, string>> };
const keys = new Map<string, KeyObject>(jwks.keys.map((k) => [k.kid!, createPublicKey({ key: k, format: 'jwk' })]));
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.poolMax });

const read = {
  name: 'floor-check',
  text: `select s.timezone, s.cycle_start_date::text as start_date, s.due_at, s.pending_event_id, s.cooling_until, s.locked_event_ids,
                l.value_ms, l.measured_at, l.baseline_mean_ms, l.baseline_std_dev_ms,
                coalesce((select json_agg(json_build_object('id', e.event_id, 'title', e.title, 'starts_at', e.starts_at, 'ends_at', e.ends_at)
                                          order by e.starts_at, e.event_id)
                          from state_engine.high_stakes_events e where e.user_id = s.user_id and e.ends_at > $2 and e.starts_at <= $2), '[]') as events
         from state_engine.user_states s
         left join lateral (select * from state_engine.hrv_latest h where h.user_id = s.user_id order by h.measured_at desc limit 1) l on true
         where s.user_id = $1`,
};
const remember = {
  name: 'floor-remember',
  text: `update state_engine.user_states set pending_event_id = $2, updated_at = $3
         where user_id = $1 and (cooling_until is null or cooling_until <= $3) and not ($2 = any(locked_event_ids))`,
};

const separately = {
  state: `select timezone, cycle_start_date::text as start_date, due_at, pending_event_id, cooling_until, locked_event_ids from state_engine.user_states where user_id = $1`,
  readings: `select * from state_engine.hrv_latest where user_id = $1`,
  events: `select * from state_engine.high_stakes_events where user_id = $1 and ends_at > $2 and starts_at <= $2 order by starts_at, event_id`,
};

/** The same row as `read`, in three statements and two round trips. */
async function readSeparately(userId: string, now: Date): Promise<FloorRow | undefined> {
  const state = (await pool.query(separately.state, [userId])).rows[0] as Omit<FloorRow, 'events' | 'value_ms' | 'measured_at' | 'baseline_mean_ms' | 'baseline_std_dev_ms'> | undefined;
  if (!state) return undefined;
  const [readings, events] = await Promise.all([pool.query(separately.readings, [userId]), pool.query(separately.events, [userId, now])]);
  const latest = (readings.rows as Array<{ value_ms: number; measured_at: Date; baseline_mean_ms: number | null; baseline_std_dev_ms: number | null }>).sort(
    (a, b) => b.measured_at.getTime() - a.measured_at.getTime(),
  )[0];
  return {
    ...state,
    value_ms: latest?.value_ms ?? null,
    measured_at: latest?.measured_at ?? null,
    baseline_mean_ms: latest?.baseline_mean_ms ?? null,
    baseline_std_dev_ms: latest?.baseline_std_dev_ms ?? null,
    events: (events.rows as Array<{ event_id: string; title: string; starts_at: Date; ends_at: Date }>).map((e) => ({
      id: e.event_id,
      title: e.title,
      starts_at: e.starts_at.toISOString(),
      ends_at: e.ends_at.toISOString(),
    })),
  };
}

function userOf(authorization: string | undefined, now: number): string | undefined {
  const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return undefined;
  const key = keys.get((JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid?: string }).kid ?? '');
  if (!key || !verify('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))) return undefined;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub?: string; iss?: string; aud?: string; exp?: number };
  if (claims.iss !== config.issuer || claims.aud !== config.audience || !claims.exp || claims.exp * 1000 < now - 30_000) return undefined;
  return claims.sub;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  req.resume();
  if (req.method !== 'POST' || req.url !== '/api/v1/state/check') return send(res, 404, { error: { code: 'not_found' } });
  const now = new Date();
  let userId: string | undefined;
  try {
    userId = userOf(req.headers.authorization, now.getTime());
  } catch {
    userId = undefined;
  }
  if (!userId) return send(res, 401, { error: { code: 'invalid_token' } });
  void (async () => {
    try {
      const row = config.queries === 3 ? await readSeparately(userId, now) : (await pool.query<FloorRow>({ ...read, values: [userId, now] })).rows[0];
      if (!row) return send(res, 404, { error: { code: 'user_not_registered' } });
      if (row.due_at <= now) return send(res, 503, { error: { code: 'rollover_due' } }); // the engine would roll over first
      const result = answer(row, now);
      if (result.should_display && row.pending_event_id !== result.event_id) {
        await pool.query({ ...remember, values: [userId, result.event_id, now] });
      }
      send(res, 200, result);
    } catch {
      send(res, 500, { error: { code: 'internal' } });
    }
  })();
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING ${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => {
  setTimeout(() => process.exit(0), 2_000).unref();
  server.close(() => void pool.end().then(() => process.exit(0)));
});
