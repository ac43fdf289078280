import { z } from 'zod';
import { databaseConfigSchema } from '@omtobe/db';
import { kafkaConfigSchema } from '@omtobe/events';
import { baseConfigSchema, serviceKeyRefinement, serviceKeysConfigSchema, envInt, envList, envNumber, loadConfig as parseConfig, loadConfigOrExit, type DeepReadonly, type Env } from '@omtobe/platform';
import { defaultRules, ruleProblems, type Rules } from './domain/index.ts';

/** The variable behind each rule: problems found in the rules are reported by the name an operator sets. */
const variableOf = {
  coolingMinutes: 'COOLING_MINUTES',
  dropRatio: 'HRV_DROP_RATIO',
  reflectionHour: 'REFLECTION_HOUR',
  hrvFreshnessMinutes: 'HRV_FRESHNESS_MINUTES',
  baselineWindowDays: 'BASELINE_WINDOW_DAYS',
  baselineMinSamples: 'BASELINE_MIN_SAMPLES',
  baselineMinDays: 'BASELINE_MIN_DAYS',
  highStakesKeywords: 'HIGH_STAKES_KEYWORDS',
  clockSkewToleranceSeconds: 'CLOCK_SKEW_TOLERANCE_SECONDS',
  readingRequestLeadMinutes: 'READING_REQUEST_LEAD_MINUTES',
} as const satisfies Record<keyof Rules, string>;

export const configSchema = baseConfigSchema
  .extend({
    ...databaseConfigSchema.shape,
    ...kafkaConfigSchema.shape,
    // Its callers' public keys (SERVICE_PUBLIC_KEYS[_DIR]; libs/platform service-keys.ts).
    ...serviceKeysConfigSchema.shape,
    SERVICE_NAME: z.string().default('state-engine'),
    PORT: envInt({ min: 0, max: 65_535 }).default(50051),
    // The product's rules (ARCHITECTURE.md "The rules"); the seed's values are the defaults. Bounds that depend on
    // other values are checked below, by the same ruleProblems the tests hold the rules to.
    COOLING_MINUTES: envInt({ min: 1, max: 24 * 60 }).default(defaultRules.coolingMinutes),
    HRV_DROP_RATIO: envNumber({ min: 0.1, max: 1 }).default(defaultRules.dropRatio),
    REFLECTION_HOUR: envInt({ min: 0, max: 23 }).default(defaultRules.reflectionHour),
    HRV_FRESHNESS_MINUTES: envInt({ min: 1, max: 24 * 60 }).default(defaultRules.hrvFreshnessMinutes),
    BASELINE_WINDOW_DAYS: envInt({ min: 1, max: 30 }).default(defaultRules.baselineWindowDays),
    BASELINE_MIN_SAMPLES: envInt({ min: 1 }).default(defaultRules.baselineMinSamples),
    BASELINE_MIN_DAYS: envInt({ min: 1 }).default(defaultRules.baselineMinDays),
    HIGH_STAKES_KEYWORDS: envList().default([...defaultRules.highStakesKeywords]),
    CLOCK_SKEW_TOLERANCE_SECONDS: envInt({ min: 0, max: 3_600 }).default(defaultRules.clockSkewToleranceSeconds),
    READING_REQUEST_LEAD_MINUTES: envInt({ min: 0, max: 24 * 60 }).default(defaultRules.readingRequestLeadMinutes),
    // Retention: samples outlive the baseline window by a day unless told otherwise (hrvRetentionDays); ended
    // events are kept a little while.
    HRV_RETENTION_DAYS: envInt({ min: 1 }).optional(),
    EVENT_RETENTION_HOURS: envInt({ min: 0 }).default(24),
    IDEMPOTENCY_RETENTION_HOURS: envInt({ min: 1 }).default(48),
    /** How often the due-work loop looks for cycle rollovers, and the retention purge runs (×60). */
    DUE_WORK_INTERVAL_MS: envInt({ min: 50 }).default(1_000),
  })
  // A value each variable allows on its own can still switch the brake off in combination (a minimum of
  // baseline days the window cannot hold, samples purged before the window is done with them): refused at start.
  .superRefine((config, ctx) => {
    for (const { rule, problem } of ruleProblems(rulesFrom(config), (r) => variableOf[r])) {
      ctx.addIssue({ code: 'custom', path: [variableOf[rule]], message: problem });
    }
    if (config.HRV_RETENTION_DAYS !== undefined && config.HRV_RETENTION_DAYS < config.BASELINE_WINDOW_DAYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['HRV_RETENTION_DAYS'],
        message: `cannot be shorter than BASELINE_WINDOW_DAYS (${config.BASELINE_WINDOW_DAYS}): baselines would lose their oldest samples`,
      });
    }
  }, { when: (payload) => payload.issues.length === 0 }) // only over values each valid on its own: one message per mistake
  .superRefine(serviceKeyRefinement({ servesCallers: ['gateway'] }));

type ConfigInput = z.output<typeof configSchema>;
export type Config = ReturnType<typeof loadConfig>;

/** For main.ts: a bad environment is one JSON line naming every variable at fault, and exit 1. */
export const loadConfig = (env: Env = process.env) => loadConfigOrExit(configSchema, env);

/** The same validation, throwing ConfigError (tests, tools). */
export const checkConfig = (env: Env) => parseConfig(configSchema, env);

export function rulesFrom(config: DeepReadonly<Pick<ConfigInput, (typeof variableOf)[keyof Rules]>>): Rules {
  return {
    coolingMinutes: config.COOLING_MINUTES,
    dropRatio: config.HRV_DROP_RATIO,
    reflectionHour: config.REFLECTION_HOUR,
    hrvFreshnessMinutes: config.HRV_FRESHNESS_MINUTES,
    baselineWindowDays: config.BASELINE_WINDOW_DAYS,
    baselineMinSamples: config.BASELINE_MIN_SAMPLES,
    baselineMinDays: config.BASELINE_MIN_DAYS,
    highStakesKeywords: config.HIGH_STAKES_KEYWORDS,
    clockSkewToleranceSeconds: config.CLOCK_SKEW_TOLERANCE_SECONDS,
    readingRequestLeadMinutes: config.READING_REQUEST_LEAD_MINUTES,
  };
}

/** HRV_RETENTION_DAYS, or one day more than the configured baseline window: a sample is kept while a baseline may still use it. */
export function hrvRetentionDays(config: DeepReadonly<Pick<ConfigInput, 'HRV_RETENTION_DAYS' | 'BASELINE_WINDOW_DAYS'>>): number {
  return config.HRV_RETENTION_DAYS ?? config.BASELINE_WINDOW_DAYS + 1;
}
