import { addErasureRegistration, createErasuresTable, createInboxTable, createOutboxTable } from '@omtobe/events';
import { createDevClockTable, type Migrations } from '@omtobe/db';
import { createIntegrationsTables } from './0003-integrations.ts';
import { createPushTables } from './0007-push.ts';
import { addOAuthBinding } from './0008-oauth-binding.ts';
import { addMicrosoft } from './0010-microsoft.ts';
import { addDeviceCalendars } from './0011-device-calendars.ts';
import { addRevocationRateLimits } from './0012-revocation-rate-limits.ts';

/** Every migration of schema `integrations`, applied in name order. Frozen once released: add, never edit. */
export const migrations: Migrations = {
  '0001_outbox': createOutboxTable,
  '0002_inbox': createInboxTable,
  '0003_integrations': createIntegrationsTables,
  '0004_dev_clock': createDevClockTable,
  // Tombstones, so a prompt transition of an erased user arriving after the erasure pushes nothing.
  '0005_erasures': createErasuresTable,
  '0006_erasure_registration': addErasureRegistration,
  '0007_push': createPushTables,
  '0008_oauth_binding': addOAuthBinding,
  '0010_microsoft': addMicrosoft,
  // After 0010, which rewrites the same check: the phone's calendars as an event source.
  '0011_device_calendars': addDeviceCalendars,
  // A rate limit holds a revocation back without counting an attempt, for a bounded time (work/revocations.ts).
  '0012_revocation_rate_limits': addRevocationRateLimits,
};
