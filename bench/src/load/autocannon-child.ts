// The load generator, in a process of its own: autocannon against one URL, every request with the next
// user's token (round robin over the token file, from a random start), a warmup first. Prints one JSON line
// `{"phase":"measuring"}` when the measured run starts and one with the result when it ends.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import type { LoadConfig, LoadResult } from './load-types.ts';

const config = JSON.parse(process.argv[2]!) as LoadConfig;
const tokens = readFileSync(config.tokensFile, 'utf8').split('\n').filter(Boolean);
let next = Math.floor(Math.random() * tokens.length);

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
          request.headers = { ...request.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` };
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
};
process.stdout.write(`${JSON.stringify({ phase: 'done', result })}\n`);
