import type { Kysely } from 'kysely';
import type { Clock, Logger } from '@omtobe/platform';
import type { Peers } from '../peers/peers.ts';
import type { Database } from '../store/database.ts';

/** Everything an operation may use. REST routes and Connect handlers both call the same operations. */
export interface GatewayDeps {
  db: Kysely<Database>;
  peers: Peers;
  clock: Clock;
  logger: Logger;
}

/** Who is calling: always the verified token's subject, never a request field. */
export interface Caller {
  userId: string;
  /** Aborts when the client hangs up (or the call's deadline passes): downstream calls are cancelled with it. */
  signal?: AbortSignal;
}
