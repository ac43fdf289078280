import { z } from 'zod';
import { databaseConfigSchema } from '@omtobe/db';
import { kafkaConfigSchema } from '@omtobe/events';
import { baseConfigSchema, envInt, envList, envNumber, loadConfigOrExit } from '@omtobe/platform';
import { defaultRules, type Rules } from './domain/index.ts';

export const configSchema = baseConfigSchema.extend({
  ...databaseConfigSchema.shape,
  ...kafkaConfigSchema.shape,
  SERVICE_NAME: z.string().default('state-engine'),
  PORT: envInt({ min: 0, max: 65_535 }).default(50051),
  // The product's rules (ARCHITECTURE.md "The rules"); the seed's values are the defaults.
  COOLING_MINUTES: envInt({ min: 1, max: 24 * 60 }).default(defaultRules.coolingMinutes),
  HRV_DROP_RATIO: envNumber({ min: 0.1, max: 1 }).default(defaultRules.dropRatio),
  REFLECTION_HOUR: envInt({ min: 0, max: 23 }).default(defaultRules.reflectionHour),
  HRV_FRESHNESS_MINUTES: envInt({ min: 1, max: 24 * 60 }).default(defaultRules.hrvFreshnessMinutes),
  BASELINE_WINDOW_DAYS: envInt({ min: 1, max: 30 }).default(defaultRules.baselineWindowDays),
  BASELINE_MIN_SAMPLES: envInt({ min: 1 }).default(defaultRules.baselineMinSamples),
  BASELINE_MIN_DAYS: envInt({ min: 1 }).default(defaultRules.baselineMinDays),
  HIGH_STAKES_KEYWORDS: envList().default([...defaultRules.highStakesKeywords]),
  // Retention: samples outlive the baseline window by a day; ended events are kept a little while.
  HRV_RETENTION_DAYS: envInt({ min: 1 }).default(defaultRules.baselineWindowDays + 1),
  EVENT_RETENTION_HOURS: envInt({ min: 0 }).default(24),
  IDEMPOTENCY_RETENTION_HOURS: envInt({ min: 1 }).default(48),
  /** How often the due-work loop looks for cycle rollovers, and the retention purge runs (×60). */
  DUE_WORK_INTERVAL_MS: envInt({ min: 50 }).default(1_000),
});

export type Config = ReturnType<typeof loadConfig>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfigOrExit(configSchema, env);

export function rulesFrom(config: Config): Rules {
  return {
    coolingMinutes: config.COOLING_MINUTES,
    dropRatio: config.HRV_DROP_RATIO,
    reflectionHour: config.REFLECTION_HOUR,
    hrvFreshnessMinutes: config.HRV_FRESHNESS_MINUTES,
    baselineWindowDays: config.BASELINE_WINDOW_DAYS,
    baselineMinSamples: config.BASELINE_MIN_SAMPLES,
    baselineMinDays: config.BASELINE_MIN_DAYS,
    highStakesKeywords: config.HIGH_STAKES_KEYWORDS,
  };
}
