import type { Kysely } from 'kysely';
import type { DevClock } from '@omtobe/db';
import type { Clock, Logger } from '@omtobe/platform';
import type { Peers } from '../peers/peers.ts';
import type { Database } from '../store/database.ts';

/** Everything an operation may use. REST routes and Connect handlers both call the same operations. */
export interface GatewayDeps {
  db: Kysely<Database>;
  peers: Peers;
  /** Times registrations, zone changes and erasures: the development clock in development mode, else the system clock. */
  clock: Clock;
  /** Present only in development mode (it is then `clock`): advance-time moves it with every service's. */
  devClock?: DevClock;
  logger: Logger;
}

/** Who is calling: always the verified token's subject, never a request field. */
export interface Caller {
  userId: string;
  /** Aborts when the client hangs up (or the call's deadline passes): downstream calls are cancelled with it. */
  signal?: AbortSignal;
}
