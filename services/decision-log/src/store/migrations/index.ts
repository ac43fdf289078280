import { addErasureRegistration, createErasuresTable, createInboxTable, createOutboxTable } from '@omtobe/events';
import { createDevClockTable, type Migrations } from '@omtobe/db';
import { createDecisionLogs } from './0003-decision-logs.ts';
import { createReflectionLogs } from './0004-reflection-logs.ts';

/** Every migration of schema `decision_log`, applied in name order. Frozen once released: add, never edit. */
export const migrations: Migrations = {
  '0001_outbox': createOutboxTable,
  '0002_inbox': createInboxTable,
  '0003_decision_logs': createDecisionLogs,
  '0004_reflection_logs': createReflectionLogs,
  '0005_erasures': createErasuresTable,
  '0006_dev_clock': createDevClockTable,
  '0007_erasure_registration': addErasureRegistration,
};
