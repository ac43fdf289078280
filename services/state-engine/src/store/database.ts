import type { InboxTables, OutboxTables } from '@omtobe/events';

/** The state engine's schema. */
export const schema = 'state_engine';

export interface Database extends OutboxTables, InboxTables {}
