import { z } from 'zod';
import { databaseConfigSchema } from '@omtobe/db';
import { kafkaConfigSchema } from '@omtobe/events';
import { baseConfigSchema, envInt, loadConfigOrExit } from '@omtobe/platform';

export const configSchema = baseConfigSchema.extend({
  ...databaseConfigSchema.shape,
  ...kafkaConfigSchema.shape,
  SERVICE_NAME: z.string().default('integrations'),
  PORT: envInt({ min: 0, max: 65_535 }).default(50053),
});

export type Config = ReturnType<typeof loadConfig>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfigOrExit(configSchema, env);
