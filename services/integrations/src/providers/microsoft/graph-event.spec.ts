import { describe, expect, it } from '@jest/globals';
import { calendarItemOf, graphInstant } from './graph-event.ts';

describe('Graph date-times (no offset, a separate time zone)', () => {
  it('reads UTC wall-clock times with Graph’s seven fractional digits', () => {
    expect(graphInstant({ dateTime: '2026-06-10T14:00:00.0000000', timeZone: 'UTC' })).toEqual(new Date('2026-06-10T14:00:00Z'));
    expect(graphInstant({ dateTime: '2026-06-10T14:00:30.5000000', timeZone: 'UTC' })).toEqual(new Date('2026-06-10T14:00:30.500Z'));
    expect(graphInstant({ dateTime: '2026-06-10T14:00:00', timeZone: 'Etc/UTC' })).toEqual(new Date('2026-06-10T14:00:00Z'));
  });

  it('converts an IANA zone (DST included) should Graph ignore the UTC preference', () => {
    expect(graphInstant({ dateTime: '2026-06-10T09:00:00.0000000', timeZone: 'Europe/London' })).toEqual(new Date('2026-06-10T08:00:00Z'));
    expect(graphInstant({ dateTime: '2026-01-10T09:00:00.0000000', timeZone: 'America/New_York' })).toEqual(new Date('2026-01-10T14:00:00Z'));
  });

  it('does not guess a Windows zone name, a malformed value or a missing one', () => {
    expect(graphInstant({ dateTime: '2026-06-10T09:00:00.0000000', timeZone: 'Pacific Standard Time' })).toBeUndefined();
    expect(graphInstant({ dateTime: '2026-06-10T09:00:00Z', timeZone: 'UTC' })).toBeUndefined();
    expect(graphInstant(null)).toBeUndefined();
  });
});

describe('delta items as the classifier’s input', () => {
  const timed = { id: 'e1', subject: 'Board Meeting', start: { dateTime: '2026-06-10T14:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2026-06-10T15:00:00.0000000', timeZone: 'UTC' } };

  it('an event with its title and times', () => {
    expect(calendarItemOf(timed)).toEqual({ eventId: 'e1', cancelled: false, title: 'Board Meeting', startsAt: new Date('2026-06-10T14:00:00Z'), endsAt: new Date('2026-06-10T15:00:00Z') });
  });

  it('an @removed stub and a cancelled meeting are withdrawals', () => {
    expect(calendarItemOf({ id: 'e1', '@removed': { reason: 'deleted' } })).toEqual({ eventId: 'e1', cancelled: true });
    expect(calendarItemOf({ ...timed, isCancelled: true })).toEqual({ eventId: 'e1', cancelled: true });
  });

  it('an all-day event has no times (the classifier drops it), nor one in a zone we cannot read', () => {
    expect(calendarItemOf({ ...timed, isAllDay: true })).toEqual({ eventId: 'e1', cancelled: false, title: 'Board Meeting' });
    const pst = { dateTime: '2026-06-10T07:00:00.0000000', timeZone: 'Pacific Standard Time' };
    expect(calendarItemOf({ ...timed, start: pst, end: pst })).toEqual({ eventId: 'e1', cancelled: false, title: 'Board Meeting' });
  });
});
