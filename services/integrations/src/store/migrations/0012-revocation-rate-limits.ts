import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Revocations and provider rate limits: when a provider's rate limit first held a revocation back. A rate limit
 * reschedules the revocation at the provider's reset without counting an attempt, for a bounded time from then.
 */
export const addRevocationRateLimits: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('revocations').addColumn('rate_limited_since', 'timestamptz').execute();
  },
};
