import type { InboxTables, OutboxTables } from '@omtobe/events';

/** The integrations service's schema. */
export const schema = 'integrations';

export interface Database extends OutboxTables, InboxTables {}
