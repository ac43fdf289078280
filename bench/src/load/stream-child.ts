// Live-stream clients, in a process of their own: raw HTTP/1.1 `GET /api/v1/state/stream` requests with a Bearer
// token (what an app's SSE client sends), one socket each, held open. Prints JSON lines: `{"phase":"open",…}` once
// every stream has answered (opened or refused), `{"phase":"transition",…}` for each `event: transition` a stream
// receives (with the arrival time, Date.now()), and runs until killed.
import http from 'node:http';
import { readFileSync } from 'node:fs';

export interface StreamChildConfig {
  /** Gateway base URL. */
  url: string;
  /** Lines `<user id> <token>`; each user gets `streamsPerUser` streams. */
  usersFile: string;
  streamsPerUser: number;
  /** Streams being opened at once. */
  concurrency: number;
}

const config = JSON.parse(process.argv[2]!) as StreamChildConfig;
const users = readFileSync(config.usersFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => line.split(' ') as [string, string]);
const out = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);
// Gone with the driver: its end of stdin closes (or stdout breaks) when it exits, however it exits.
process.stdout.on('error', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const target = new URL('/api/v1/state/stream', config.url);
const statuses: Record<string, number> = {};
let opened = 0;
let ended = 0;

/** Opens one stream; resolves once its answer (and for a 200, its first event) has come. */
function open(user: string, token: string): Promise<void> {
  return new Promise((resolve) => {
    const request = http.get(target, { agent, headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } }, (response) => {
      const status = String(response.statusCode);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (response.statusCode !== 200) {
        response.resume();
        return resolve();
      }
      response.setEncoding('utf8');
      let buffer = '';
      let first = true;
      response.on('data', (chunk: string) => {
        const at = Date.now();
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (first && block.startsWith('event: state')) {
            first = false;
            opened += 1;
            resolve();
          } else if (block.startsWith('event: transition')) {
            const data = JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { transition_id: string; kind: string };
            out({ phase: 'transition', user, transitionId: data.transition_id, kind: data.kind, at });
          }
        }
      });
      response.on('end', () => {
        ended += 1;
        resolve();
      });
      response.on('error', () => resolve());
    });
    request.on('error', () => {
      statuses.error = (statuses.error ?? 0) + 1;
      resolve();
    });
  });
}

const streams = users.flatMap(([user, token]) => Array.from({ length: config.streamsPerUser }, () => [user, token] as const));
const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(config.concurrency, streams.length) }, async () => {
    while (next < streams.length) {
      const [user, token] = streams[next++]!;
      await open(user, token);
    }
  }),
);
out({ phase: 'open', opened, statuses, seconds: (performance.now() - started) / 1000 });
// Held open until the driver kills this process; the count of streams the gateway ended, every 5 s.
setInterval(() => out({ phase: 'alive', opened, ended }), 5_000);
