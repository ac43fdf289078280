import { describe, expect, it } from '@jest/globals';
import { erasedBy, type Erasure } from './erasures.ts';

const at = (iso: string) => new Date(iso);
const registered = at('2026-05-01T08:00:00Z');
const erasedAt = at('2026-06-01T12:00:00Z');
const erasure: Erasure = { erasedAt, registeredAt: registered };

describe('erasedBy', () => {
  it('drops nothing of a user without a tombstone', () => {
    expect(erasedBy(undefined, { occurredAt: at('2020-01-01T00:00:00Z'), registeredAt: registered })).toBe(false);
  });

  it('drops an event of the erased registration whenever it occurred, even after the erasure (the race)', () => {
    expect(erasedBy(erasure, { occurredAt: at('2026-06-01T11:00:00Z'), registeredAt: registered })).toBe(true);
    expect(erasedBy(erasure, { occurredAt: at('2026-06-01T12:00:05Z'), registeredAt: registered })).toBe(true);
  });

  it('drops an event of an earlier registration, keeps one of a later registration even when it occurred first', () => {
    expect(erasedBy(erasure, { occurredAt: at('2026-06-05T00:00:00Z'), registeredAt: at('2026-04-01T00:00:00Z') })).toBe(true);
    expect(erasedBy(erasure, { occurredAt: at('2026-06-01T13:00:00Z'), registeredAt: at('2026-06-01T12:30:00Z') })).toBe(false);
  });

  it('judges by time when either side names no registration', () => {
    const timeOnly: Erasure = { erasedAt };
    expect(erasedBy(timeOnly, { occurredAt: at('2026-06-01T11:59:59Z'), registeredAt: registered })).toBe(true);
    expect(erasedBy(timeOnly, { occurredAt: at('2026-06-01T12:00:00Z'), registeredAt: registered })).toBe(false);
    expect(erasedBy(erasure, { occurredAt: at('2026-06-01T11:59:59Z') })).toBe(true);
    expect(erasedBy(erasure, { occurredAt: at('2026-06-01T12:00:01Z') })).toBe(false);
  });
});
