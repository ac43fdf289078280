import type { Kysely } from 'kysely';
import type { Clock, Logger } from '@omtobe/platform';
import type { Rules } from '../domain/index.ts';
import type { Database } from '../store/database.ts';

/** What every use case of the engine needs: the database, the service's clock and the rules. */
export interface Engine {
  db: Kysely<Database>;
  clock: Clock;
  rules: Rules;
  logger: Logger;
}
