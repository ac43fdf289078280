import type { InboxTables, OutboxTables } from '@omtobe/events';

/** The gateway's schema. */
export const schema = 'gateway';

export interface Database extends OutboxTables, InboxTables {}
