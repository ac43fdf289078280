import { addErasureRegistration, createErasuresTable, createInboxTable, createOutboxTable } from '@omtobe/events';
import { createDevClockTable, type Migrations } from '@omtobe/db';
import { createStateTables } from './0003-state.ts';
import { addShownBrakeAndCycleStart } from './0005-shown-brake-and-cycle-start.ts';
import { addUserRegistration } from './0008-user-registration.ts';
import { addPrompts } from './0009-prompts.ts';

/** Every migration of schema `state_engine`, applied in name order. Frozen once released: add, never edit. */
export const migrations: Migrations = {
  '0001_outbox': createOutboxTable,
  '0002_inbox': createInboxTable,
  '0003_state': createStateTables,
  '0004_erasures': createErasuresTable,
  '0005_shown_brake_and_cycle_start': addShownBrakeAndCycleStart,
  '0006_dev_clock': createDevClockTable,
  '0007_erasure_registration': addErasureRegistration,
  '0008_user_registration': addUserRegistration,
  '0009_prompts': addPrompts,
};
