import type { Kysely } from 'kysely';
import type { DevClock } from '@omtobe/db';
import type { Clock } from '@omtobe/platform';
import type { Database } from '../store/database.ts';
import type { DecisionLogMetrics } from './metrics.ts';

/** The decision log's one dependencies object, built by main.ts and passed to api/, consumers/ and work/. */
export interface Deps {
  /** The pool, not a transaction: use cases open their own (export's snapshot), consumers get theirs per event. */
  db: Kysely<Database>;
  metrics: DecisionLogMetrics;
  /** "Now" for the retention purge, the only thing here that asks: the development clock in development. */
  clock: Clock;
  /** Present only in development mode: AdvanceDevClock refuses without it. */
  devClock?: DevClock;
}
