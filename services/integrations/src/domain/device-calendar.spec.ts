import { describe, expect, it } from '@jest/globals';
import { defaultHighStakesKeywords } from '@omtobe/rules';
import { checkDeviceEvent, idProblem, whyIgnored, windowProblem, type UploadedDeviceEvent } from './device-calendar.ts';

const hour = 3_600_000;
const now = new Date('2026-06-10T12:00:00Z');
const at = (hours: number) => new Date(now.getTime() + hours * hour);
const rules = { maxBatch: 500, maxWindowMs: 168 * hour, horizonMs: 14 * 24 * hour };
const window = { start: at(0), end: at(48) };
const event = (over: Partial<UploadedDeviceEvent> = {}): UploadedDeviceEvent => ({ eventId: 'E1', title: 'Board Review', start: at(1), end: at(2), allDay: false, status: 'confirmed', ...over });

describe('the phone’s calendars', () => {
  it('takes a window of two times, the end after the start, at most the longest window, ending within the horizon', () => {
    expect(windowProblem(window, now, rules)).toBeUndefined();
    expect(windowProblem({ start: at(0), end: at(168) }, now, rules)).toBeUndefined();
    expect(windowProblem({ start: at(168), end: at(14 * 24) }, now, rules)).toBeUndefined();
    expect(windowProblem({ end: at(1) }, now, rules)).toBe('invalid_window');
    expect(windowProblem({ start: at(1), end: at(1) }, now, rules)).toBe('invalid_window');
    expect(windowProblem({ start: at(0), end: new Date(Number.NaN) }, now, rules)).toBe('invalid_window');
    expect(windowProblem({ start: at(0), end: new Date(at(168).getTime() + 1) }, now, rules)).toBe('window_too_long');
    expect(windowProblem({ start: at(200), end: new Date(at(14 * 24).getTime() + 1) }, now, rules)).toBe('window_too_far');
  });

  it('takes ids of 1–512 characters without control characters', () => {
    expect(idProblem('ABC-123:2026-06-10')).toBeUndefined();
    expect(idProblem('x'.repeat(512))).toBeUndefined();
    for (const bad of ['', 'x'.repeat(513), 'a\tb', 'a\u0085b']) expect(idProblem(bad)).toBe('invalid_event_id');
  });

  it('turns an event into what every provider reports, under the device: id; all-day and cancelled ones without judging their times', () => {
    expect(checkDeviceEvent(event(), window)).toEqual({ ok: true, item: { eventId: 'device:E1', cancelled: false, title: 'Board Review', startsAt: at(1), endsAt: at(2) } });
    expect(checkDeviceEvent(event({ status: 'tentative' }), window)).toEqual(checkDeviceEvent(event(), window));
    expect(checkDeviceEvent(event({ allDay: true, start: undefined }), window)).toEqual({ ok: true, item: { eventId: 'device:E1', cancelled: false, title: 'Board Review' } });
    expect(checkDeviceEvent(event({ status: 'cancelled', end: at(-5) }), window)).toEqual({ ok: true, item: { eventId: 'device:E1', cancelled: true } });
    // Running since before the window: it overlaps, so it is the window's.
    expect(checkDeviceEvent(event({ start: at(-1), end: at(1) }), window).ok).toBe(true);
  });

  it('rejects an event with a title too long, no usable times, an end not after its start, or not overlapping the window', () => {
    const reason = (over: Partial<UploadedDeviceEvent>) => {
      const check = checkDeviceEvent(event(over), window);
      return check.ok ? 'ok' : check.reason;
    };
    expect(reason({ title: 'B'.repeat(1025) })).toBe('title_too_long');
    expect(reason({ start: undefined })).toBe('invalid_time');
    expect(reason({ end: new Date(Number.NaN) })).toBe('invalid_time');
    expect(reason({ end: at(1) })).toBe('end_not_after_start');
    expect(reason({ start: at(-2), end: at(0) })).toBe('outside_window'); // ends as the window starts
    expect(reason({ start: at(48), end: at(49) })).toBe('outside_window'); // starts as it ends (exclusive)
  });

  it('says why an event was not kept, in the classifier’s order', () => {
    const why = (over: Partial<UploadedDeviceEvent>) => whyIgnored(event(over), defaultHighStakesKeywords);
    expect(why({ status: 'cancelled', allDay: true, title: 'Lunch' })).toBe('cancelled');
    expect(why({ allDay: true, title: 'Lunch' })).toBe('all_day');
    expect(why({ title: 'Lunch' })).toBe('not_high_stakes');
    expect(why({ start: at(-3), end: at(-2) })).toBe('ended');
  });
});
