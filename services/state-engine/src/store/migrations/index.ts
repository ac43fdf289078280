import { createInboxTable, createOutboxTable } from '@omtobe/events';
import type { Migrations } from '@omtobe/db';

/** Every migration of schema `state_engine`, applied in name order. Frozen once released: add, never edit. */
export const migrations: Migrations = {
  '0001_outbox': createOutboxTable,
  '0002_inbox': createInboxTable,
};
