import { Writable } from 'node:stream';
import { createLogger, systemClock } from '@omtobe/platform';
import { AuthenticationError } from '../src/auth/verifier.ts';
import type { Deps } from '../src/operations/deps.ts';
import type { Peers } from '../src/peers/peers.ts';

/** A logger that writes nowhere. */
export const silentLogger = createLogger({ service: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });

/**
 * Deps for in-process tests without PostgreSQL: these peers (clients or stand-ins), the system clock, and a profile
 * table where everyone is registered — operations look the caller's profile up before asking a service.
 */
export function inMemoryDeps(peers: Partial<Record<keyof Peers, unknown>>): Deps {
  const row = { selectAll: () => row, where: () => row, executeTakeFirst: async () => ({ user_id: 'anyone' }) };
  return { db: { selectFrom: () => row }, clock: systemClock, logger: silentLogger, peers: { health: [], ...peers } } as unknown as Deps;
}

/** A token verifier for tests: `Bearer <name>` is user <name>; anything else is refused as a real verifier would. */
export async function verifyTestBearer(authorization: string | undefined): Promise<string> {
  const user = /^Bearer (\w{1,20})$/.exec(authorization ?? '')?.[1];
  if (!user) throw new AuthenticationError('missing_token', 'a bearer token is required');
  return user;
}
