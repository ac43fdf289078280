import { describe, expect, it } from '@jest/globals';
import { defaultRules, ruleProblems } from './rules.ts';

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
    });
    expect(Object.isFrozen(defaultRules)).toBe(true);
    expect(ruleProblems(defaultRules)).toEqual([]);
  });

  it.each([
    [{ coolingMinutes: 0 }, 'coolingMinutes must be a positive number'],
    [{ dropRatio: 1 }, 'dropRatio must be between 0 and 1 (exclusive)'],
    [{ dropRatio: Number.NaN }, 'dropRatio must be between 0 and 1 (exclusive)'],
    [{ reflectionHour: 24 }, 'reflectionHour must be an integer hour 0–23'],
    [{ hrvFreshnessMinutes: -5 }, 'hrvFreshnessMinutes must be a positive number'],
    [{ baselineWindowDays: 7.5 }, 'baselineWindowDays must be an integer ≥ 1'],
    [{ baselineMinSamples: 0 }, 'baselineMinSamples must be an integer ≥ 1'],
    [{ baselineMinDays: 8 }, 'baselineMinDays cannot exceed baselineWindowDays'],
    [{ highStakesKeywords: ['Board', ' '] }, 'highStakesKeywords cannot contain empty keywords'],
  ])('reports %j', (patch, problem) => {
    expect(ruleProblems({ ...defaultRules, ...patch })).toEqual([problem]);
  });
});
