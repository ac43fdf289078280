import type { Kysely } from 'kysely';
import type { DevClock } from '@omtobe/db';
import type { Clock, Logger } from '@omtobe/platform';
import type { Peers } from '../peers/peers.ts';
import type { Database } from '../store/database.ts';
import type { StreamHub } from '../streams/hub.ts';

/** Everything an operation may use. REST routes and Connect handlers both call the same operations. */
export interface Deps {
  db: Kysely<Database>;
  peers: Peers;
  /** Times registrations, zone changes and erasures: the development clock in development mode, else the system clock. */
  clock: Clock;
  /** Present only in development mode (it is then `clock`): advance-time moves it with every service's. */
  devClock?: DevClock;
  logger: Logger;
  /** The live state streams of this replica (WatchState, GET /state/stream); absent where no stream is served. */
  streams?: LiveStreams;
}

export interface LiveStreams {
  hub: StreamHub;
  /** A heartbeat goes out after this long without a message (STREAM_HEARTBEAT_SECONDS). */
  heartbeatMs: number;
  /** The reconnection delay a Server-Sent Events client is told when its stream ends for a drain (jittered ±50%). */
  retryMs: number;
}
