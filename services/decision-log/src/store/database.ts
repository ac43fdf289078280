import type { DevClockTables, Queryable } from '@omtobe/db';
import type { ErasureTables, InboxTables, OutboxTables } from '@omtobe/events';
import type { DecisionLogsTable } from './decision-logs.table.ts';
import type { ReflectionLogsTable } from './reflection-logs.table.ts';

/** The decision log's schema. */
export const schema = 'decision_log';

export interface Database extends OutboxTables, InboxTables, ErasureTables, DevClockTables {
  decision_logs: DecisionLogsTable;
  reflection_logs: ReflectionLogsTable;
}

/** What a repository takes first: the database or a transaction of it (a locking read takes `Transaction<Database>`). */
export type Db = Queryable<Database>;
