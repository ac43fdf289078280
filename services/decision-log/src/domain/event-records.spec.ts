import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { InvalidArgumentError } from '@omtobe/platform';
import { Decision, DecisionRecordedSchema, ReflectionRecordedSchema, ReflectionResponse } from '@omtobe/proto/state-engine/v1';
import { decisionFromEvent, decisionToEnum, reflectionFromEvent, responseToEnum } from './event-records.ts';

const decidedAt = new Date('2025-01-08T10:00:00.000Z');
const decisionEvent = (overrides: Record<string, unknown> = {}) =>
  create(DecisionRecordedSchema, {
    userId: 'user-a',
    decisionId: '0B7E7A51-3C1B-4A8E-9D0A-5F3D2C1B0A99',
    decision: Decision.DELAY,
    cycleDay: 4,
    decidedAt: timestampFromDate(decidedAt),
    ...overrides,
  });

describe('decisionFromEvent', () => {
  it('keeps exactly time, answer, cycle day, id and whose', () => {
    expect(decisionFromEvent(decisionEvent())).toEqual({
      decisionId: '0b7e7a51-3c1b-4a8e-9d0a-5f3d2c1b0a99',
      userId: 'user-a',
      decidedAt,
      decision: 'Delay',
      cycleDay: 4,
    });
    expect(decisionFromEvent(decisionEvent({ decision: Decision.PROCEED })).decision).toBe('Proceed');
  });

  it.each([
    ['an unspecified answer', { decision: Decision.UNSPECIFIED }, /neither Proceed nor Delay/],
    ['day 0', { cycleDay: 0 }, /cycle_day 0/],
    ['day 8', { cycleDay: 8 }, /cycle_day 8/],
    ['no time', { decidedAt: undefined }, /decided_at is missing/],
    ['a non-UUID id', { decisionId: 'd-1' }, /decision_id is not a UUID/],
    ['no user', { userId: '' }, /user_id is empty/],
  ])('refuses %s', (_name, overrides, message) => {
    expect(() => decisionFromEvent(decisionEvent(overrides))).toThrow(InvalidArgumentError);
    expect(() => decisionFromEvent(decisionEvent(overrides))).toThrow(message);
  });
});

describe('reflectionFromEvent', () => {
  const event = (overrides: Record<string, unknown> = {}) =>
    create(ReflectionRecordedSchema, {
      userId: 'user-a',
      reflectionId: '5d1e4c0a-9f5b-4f7e-8a7c-2b1d0e9f8a7b',
      response: ReflectionResponse.SKIP,
      answeredAt: timestampFromDate(new Date('2025-01-12T09:30:00.000Z')),
      cycleStart: timestampFromDate(new Date('2025-01-06T00:00:00.000Z')),
      ...overrides,
    });

  it('keeps exactly time, answer, cycle start, id and whose', () => {
    expect(reflectionFromEvent(event())).toEqual({
      reflectionId: '5d1e4c0a-9f5b-4f7e-8a7c-2b1d0e9f8a7b',
      userId: 'user-a',
      answeredAt: new Date('2025-01-12T09:30:00.000Z'),
      response: 'Skip',
      cycleStart: new Date('2025-01-06T00:00:00.000Z'),
    });
  });

  it('refuses an unspecified answer or a missing cycle start', () => {
    expect(() => reflectionFromEvent(event({ response: ReflectionResponse.UNSPECIFIED }))).toThrow(/not Yes, No or Skip/);
    expect(() => reflectionFromEvent(event({ cycleStart: undefined }))).toThrow(/cycle_start is missing/);
  });
});

describe('enum mapping', () => {
  it('maps stored answers back to the contract', () => {
    expect(decisionToEnum('Proceed')).toBe(Decision.PROCEED);
    expect(decisionToEnum('Delay')).toBe(Decision.DELAY);
    expect(responseToEnum('Yes')).toBe(ReflectionResponse.YES);
    expect(responseToEnum('No')).toBe(ReflectionResponse.NO);
    expect(responseToEnum('Skip')).toBe(ReflectionResponse.SKIP);
  });
});
