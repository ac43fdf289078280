import { describe, expect, it } from '@jest/globals';
import { defaultRules, ruleProblems, type Rules } from './rules.ts';

describe('rules', () => {
  it('defaults to seed 000’s values', () => {
    expect(defaultRules).toEqual({
      coolingMinutes: 20,
      dropRatio: 0.8,
      reflectionHour: 9,
      hrvFreshnessMinutes: 60,
      baselineWindowDays: 7,
      baselineMinSamples: 3,
      baselineMinDays: 2,
      highStakesKeywords: ['Board', 'Negotiation', 'Review', 'High-Stakes'],
      clockSkewToleranceSeconds: 60,
      readingRequestLeadMinutes: 0,
    });
    expect(Object.isFrozen(defaultRules)).toBe(true);
    expect(ruleProblems(defaultRules)).toEqual([]);
  });

  it.each<[Partial<Rules>, keyof Rules, string]>([
    [{ coolingMinutes: 0 }, 'coolingMinutes', 'must be a positive number'],
    [{ dropRatio: 1 }, 'dropRatio', 'must be between 0 and 1 (exclusive): 1 or more is no drop'],
    [{ dropRatio: Number.NaN }, 'dropRatio', 'must be between 0 and 1 (exclusive): 1 or more is no drop'],
    [{ reflectionHour: 24 }, 'reflectionHour', 'must be an integer hour 0–23'],
    [{ hrvFreshnessMinutes: -5 }, 'hrvFreshnessMinutes', 'must be a positive number'],
    [{ baselineWindowDays: 7.5 }, 'baselineWindowDays', 'must be an integer ≥ 1'],
    [{ baselineMinSamples: 0 }, 'baselineMinSamples', 'must be an integer ≥ 1'],
    [{ baselineMinDays: 8 }, 'baselineMinDays', 'cannot exceed baselineWindowDays (7): no baseline could ever form'],
    [{ highStakesKeywords: ['Board', ' '] }, 'highStakesKeywords', 'cannot contain empty keywords'],
    [{ clockSkewToleranceSeconds: -1 }, 'clockSkewToleranceSeconds', 'must be an integer ≥ 0'],
    [{ readingRequestLeadMinutes: -1 }, 'readingRequestLeadMinutes', 'must be a number of minutes ≥ 0'],
  ])('reports %j', (patch, rule, problem) => {
    expect(ruleProblems({ ...defaultRules, ...patch })).toEqual([{ rule, problem }]);
  });

  it('names the other rules a problem refers to as the caller names them', () => {
    const names = (rule: keyof Rules) => rule.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
    expect(ruleProblems({ ...defaultRules, baselineMinDays: 8 }, names)).toEqual([
      { rule: 'baselineMinDays', problem: 'cannot exceed BASELINE_WINDOW_DAYS (7): no baseline could ever form' },
    ]);
  });
});
