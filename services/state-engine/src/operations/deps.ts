import type { Kysely } from 'kysely';
import type { DevClock } from '@omtobe/db';
import type { Clock, Logger } from '@omtobe/platform';
import type { Rules } from '../domain/index.ts';
import type { Database } from '../store/database.ts';

/** The state engine's one dependencies object, built in main.ts: what the use cases, handlers and loops need. */
export interface Deps {
  db: Kysely<Database>;
  clock: Clock;
  rules: Rules;
  logger: Logger;
  /** Present only in development mode: SetCycleDay, AdvanceClock and AdvanceDevClock refuse without it. */
  devClock?: DevClock;
}
