import { defaultHighStakesKeywords } from '@omtobe/rules';
/**
 * The numbers the product's rules are made of. Every duration and threshold is configuration
 * (ARCHITECTURE.md, "Durations and thresholds"); the defaults are seed 000's values.
 */
export interface Rules {
  /** Delay starts a cooling period this long; the brake is silent until it ends. */
  readonly coolingMinutes: number;
  /** The brake needs the latest HRV value ≤ dropRatio × baseline mean (0.8 = a 20% drop). */
  readonly dropRatio: number;
  /** The Day 7 reflection opens at this local hour (0–23). */
  readonly reflectionHour: number;
  /** A sample older than this is not evidence of how the user is *now*. */
  readonly hrvFreshnessMinutes: number;
  /** The baseline is made of the samples in this many days before the judged sample. */
  readonly baselineWindowDays: number;
  /** Below this many samples there is no baseline (and so no brake). */
  readonly baselineMinSamples: number;
  /** …or below this many distinct local days: one stressful afternoon is not a norm. */
  readonly baselineMinDays: number;
  /** Whole-word title keywords (any case) that make a calendar event high-stakes. */
  readonly highStakesKeywords: readonly string[];
}

export const defaultRules: Rules = Object.freeze({
  coolingMinutes: 20,
  dropRatio: 0.8,
  reflectionHour: 9,
  hrvFreshnessMinutes: 60,
  baselineWindowDays: 7,
  baselineMinSamples: 3,
  baselineMinDays: 2,
  highStakesKeywords: defaultHighStakesKeywords,
});

/**
 * What is wrong with a set of rules, as messages (empty when they are usable). The config loader
 * calls it at startup so a bad value fails fast instead of silently disabling the brake.
 */
export function ruleProblems(rules: Rules): string[] {
  const problems: string[] = [];
  const positive = (name: keyof Rules, value: number) => {
    if (!Number.isFinite(value) || value <= 0) problems.push(`${name} must be a positive number`);
  };
  const positiveInt = (name: keyof Rules, value: number) => {
    if (!Number.isInteger(value) || value < 1) problems.push(`${name} must be an integer ≥ 1`);
  };
  positive('coolingMinutes', rules.coolingMinutes);
  positive('hrvFreshnessMinutes', rules.hrvFreshnessMinutes);
  if (!(rules.dropRatio > 0 && rules.dropRatio < 1)) problems.push('dropRatio must be between 0 and 1 (exclusive)');
  if (!Number.isInteger(rules.reflectionHour) || rules.reflectionHour < 0 || rules.reflectionHour > 23) {
    problems.push('reflectionHour must be an integer hour 0–23');
  }
  positiveInt('baselineWindowDays', rules.baselineWindowDays);
  positiveInt('baselineMinSamples', rules.baselineMinSamples);
  positiveInt('baselineMinDays', rules.baselineMinDays);
  if (rules.baselineMinDays > rules.baselineWindowDays) problems.push('baselineMinDays cannot exceed baselineWindowDays');
  if (rules.highStakesKeywords.some((k) => k.trim() === '')) problems.push('highStakesKeywords cannot contain empty keywords');
  return problems;
}
