import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { prettyFactory } from 'pino-pretty';

const colors = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m', '\x1b[34m', '\x1b[31m'];
const colorOf = new Map<string, string>();

/**
 * Prints a child's pino JSON lines as readable lines prefixed with its name; anything that is not JSON
 * (a crash's stack trace, say) is printed as it came.
 */
export function printPrefixed(name: string, stream: Readable, out: NodeJS.WritableStream = process.stdout): void {
  if (!colorOf.has(name)) colorOf.set(name, colors[colorOf.size % colors.length]!);
  const color = colorOf.get(name)!;
  const prefix = `${color}${name.padEnd(14)}\x1b[0m| `;
  const pretty = prettyFactory({ colorize: true, ignore: 'pid,hostname,service', translateTime: 'HH:MM:ss.l', singleLine: true });
  createInterface({ input: stream }).on('line', (line) => {
    let text = line;
    if (line.startsWith('{')) {
      try {
        text = pretty(JSON.parse(line)).trimEnd();
      } catch {
        text = line;
      }
    }
    out.write(`${prefix}${text}\n`);
  });
}
