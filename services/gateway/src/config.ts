import { z } from 'zod';
import { databaseConfigSchema } from '@omtobe/db';
import { kafkaConfigSchema } from '@omtobe/events';
import { baseConfigSchema, envInt, loadConfigOrExit } from '@omtobe/platform';

const serviceUrl = (fallback: string) => z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default(fallback);

export const configSchema = baseConfigSchema.extend({
  ...databaseConfigSchema.shape,
  ...kafkaConfigSchema.shape,
  SERVICE_NAME: z.string().default('gateway'),
  PORT: envInt({ min: 0, max: 65_535 }).default(8080),
  STATE_ENGINE_URL: serviceUrl('http://127.0.0.1:50051'),
  DECISION_LOG_URL: serviceUrl('http://127.0.0.1:50052'),
  INTEGRATIONS_URL: serviceUrl('http://127.0.0.1:50053'),
  /** Deadline of every call to another service. */
  INTERNAL_CALL_TIMEOUT_MS: envInt({ min: 50, max: 60_000 }).default(3_000),
});

export type Config = ReturnType<typeof loadConfig>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfigOrExit(configSchema, env);
