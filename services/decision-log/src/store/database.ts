import type { InboxTables, OutboxTables } from '@omtobe/events';

/** The decision log's schema. */
export const schema = 'decision_log';

export interface Database extends OutboxTables, InboxTables {}
