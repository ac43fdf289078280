// The load generator, in a process of its own: autocannon against one URL, every request with the next
// user's token (round robin over the token file, from a random start or a given one, over all tokens or a given
// number of them), a warmup first. Prints one JSON line
// `{"phase":"measuring"}` when the measured run starts and one with the result when it ends.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import type { LoadConfig, LoadResult } from './load-types.ts';

const config = JSON.parse(process.argv[2]!) as LoadConfig;
const tokens = readFileSync(config.tokensFile, 'utf8').split('\n').filter(Boolean);
const startAt = config.startAt ?? Math.floor(Math.random() * tokens.length);
const window = Math.min(config.tokenCount ?? tokens.length, tokens.length);
let sent = 0;

const run = (seconds: number) =>
  autocannon({
    url: config.url,
    connections: config.connections,
    duration: seconds,
    requests: [
      {
        method: config.method,
        path: config.path,
        setupRequest: (request) => {
          const token = tokens[(startAt + (sent++ % window)) % tokens.length];
          request.headers = { ...request.headers, authorization: `Bearer ${token}` };
          return request;
        },
      },
    ],
  });

if (config.warmupSeconds > 0) await run(config.warmupSeconds);
process.stdout.write(`${JSON.stringify({ phase: 'measuring' })}\n`);
const r = await run(config.seconds);
const result: LoadResult = {
  requests: r.requests.total,
  seconds: r.duration,
  requestsPerSecond: r.requests.total / r.duration,
  latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, p999: r.latency.p99_9, max: r.latency.max, mean: r.latency.mean },
  non2xx: r.non2xx,
  errors: r.errors,
  timeouts: r.timeouts,
  statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, s.count])),
  distinctTokens: tokens.length,
  startAt,
  tokensUsed: Math.min(sent, window),
};
process.stdout.write(`${JSON.stringify({ phase: 'done', result })}\n`);
