import { defaultClockSkewToleranceSeconds, defaultHighStakesKeywords } from '@omtobe/rules';
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
  /**
   * How far ahead of our clock a sample may be stamped and still count (device clocks drift by seconds).
   * The same tolerance integrations applies at ingestion (@omtobe/rules).
   */
  readonly clockSkewToleranceSeconds: number;
  /**
   * How long before a high-stakes event of Day 3–5 starts a fresh HRV reading is requested, when the latest one will
   * not be fresh then (0: as it starts). The app gets a silent push and syncs HealthKit.
   */
  readonly readingRequestLeadMinutes: number;
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
  clockSkewToleranceSeconds: defaultClockSkewToleranceSeconds,
  readingRequestLeadMinutes: 0,
});

export interface RuleProblem {
  readonly rule: keyof Rules;
  /** What is wrong, without the rule's own name (the caller names it: a rule here, a variable in config). */
  readonly problem: string;
}

/**
 * What is wrong with a set of rules (empty when they are usable). Each of these values would switch the
 * brake off without a word (a drop ratio of 1 is no drop; more baseline days than the window holds is never
 * a baseline), so the config loader refuses to start with them. `nameOf` names the other rules a problem
 * refers to, so config can speak of its variables.
 */
export function ruleProblems(rules: Rules, nameOf: (rule: keyof Rules) => string = (rule) => rule): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const check = (rule: keyof Rules, ok: boolean, problem: string) => {
    if (!ok) problems.push({ rule, problem });
  };
  const positive = (rule: keyof Rules, value: number) => check(rule, Number.isFinite(value) && value > 0, 'must be a positive number');
  const positiveInt = (rule: keyof Rules, value: number) => check(rule, Number.isInteger(value) && value >= 1, 'must be an integer ≥ 1');
  positive('coolingMinutes', rules.coolingMinutes);
  positive('hrvFreshnessMinutes', rules.hrvFreshnessMinutes);
  check('dropRatio', rules.dropRatio > 0 && rules.dropRatio < 1, 'must be between 0 and 1 (exclusive): 1 or more is no drop');
  check('reflectionHour', Number.isInteger(rules.reflectionHour) && rules.reflectionHour >= 0 && rules.reflectionHour <= 23, 'must be an integer hour 0–23');
  positiveInt('baselineWindowDays', rules.baselineWindowDays);
  positiveInt('baselineMinSamples', rules.baselineMinSamples);
  positiveInt('baselineMinDays', rules.baselineMinDays);
  if (problems.every((p) => p.rule !== 'baselineMinDays' && p.rule !== 'baselineWindowDays')) {
    check('baselineMinDays', rules.baselineMinDays <= rules.baselineWindowDays, `cannot exceed ${nameOf('baselineWindowDays')} (${rules.baselineWindowDays}): no baseline could ever form`);
  }
  check('highStakesKeywords', rules.highStakesKeywords.every((k) => k.trim() !== ''), 'cannot contain empty keywords');
  check('clockSkewToleranceSeconds', Number.isInteger(rules.clockSkewToleranceSeconds) && rules.clockSkewToleranceSeconds >= 0, 'must be an integer ≥ 0');
  check('readingRequestLeadMinutes', Number.isFinite(rules.readingRequestLeadMinutes) && rules.readingRequestLeadMinutes >= 0, 'must be a number of minutes ≥ 0');
  return problems;
}
