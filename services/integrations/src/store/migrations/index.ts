import { createInboxTable, createOutboxTable } from '@omtobe/events';
import { createDevClockTable, type Migrations } from '@omtobe/db';
import { createIntegrationsTables } from './0003-integrations.ts';

/** Every migration of schema `integrations`, applied in name order. Frozen once released: add, never edit. */
export const migrations: Migrations = {
  '0001_outbox': createOutboxTable,
  '0002_inbox': createInboxTable,
  '0003_integrations': createIntegrationsTables,
  '0004_dev_clock': createDevClockTable,
};
