import { z } from 'zod';
import { databaseConfigSchema } from '@omtobe/db';
import { kafkaConfigSchema } from '@omtobe/events';
import { baseConfigSchema, envInt, loadConfigOrExit, serviceKeyRefinement, serviceKeysConfigSchema } from '@omtobe/platform';

export const configSchema = baseConfigSchema
  .extend({
    ...databaseConfigSchema.shape,
    ...kafkaConfigSchema.shape,
    // Its callers' public keys (SERVICE_PUBLIC_KEYS[_DIR]; libs/platform service-keys.ts).
    ...serviceKeysConfigSchema.shape,
    SERVICE_NAME: z.string().default('decision-log'),
    PORT: envInt({ min: 0, max: 65_535 }).default(50052),
    /** Days a decision or reflection is kept. Unset (the default) keeps them until the user erases their account. */
    DECISION_LOG_RETENTION_DAYS: envInt({ min: 1, max: 36_500 }).optional(),
    /** How often the retention purge runs when a retention is set. */
    DECISION_LOG_RETENTION_INTERVAL_MS: envInt({ min: 1_000 }).default(60 * 60 * 1000),
  })
  .superRefine(serviceKeyRefinement({ servesCallers: ['gateway'] }));

export type Config = ReturnType<typeof loadConfig>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfigOrExit(configSchema, env);
