import { describe, expect, it } from '@jest/globals';
import { channelRenewalDue } from './calendar-channels.ts';

// The renewal rule both the sync (ensureChannel) and the maintenance pass apply: renew once no more than the
// earlier of the configured margin and half the granted life is left.

const hour = 3_600_000;
const t0 = new Date('2026-06-10T12:00:00Z');
const at = (hours: number) => new Date(t0.getTime() + hours * hour);
/** A channel opened at t0, granted `hours`. */
const granted = (hours: number) => ({ created_at: t0, expires_at: at(hours) });
const margin = 24 * hour;

describe('channelRenewalDue', () => {
  it('renews a channel granted more than twice the margin once the margin is left', () => {
    expect(channelRenewalDue(granted(168), at(144 - 0.001), margin)).toBe(false);
    expect(channelRenewalDue(granted(168), at(144), margin)).toBe(true);
  });

  it('renews a channel granted less than twice the margin at half its life, not from birth', () => {
    expect(channelRenewalDue(granted(12), at(0), margin)).toBe(false);
    expect(channelRenewalDue(granted(12), at(5.999), margin)).toBe(false);
    expect(channelRenewalDue(granted(12), at(6), margin)).toBe(true);
    expect(channelRenewalDue(granted(36), at(18), margin)).toBe(true);
    expect(channelRenewalDue(granted(36), at(17.999), margin)).toBe(false);
  });

  it('renews a lapsed channel, and one granted no life at all', () => {
    expect(channelRenewalDue(granted(12), at(13), margin)).toBe(true);
    expect(channelRenewalDue(granted(0), at(0), margin)).toBe(true);
    expect(channelRenewalDue({ created_at: at(1), expires_at: t0 }, at(0), margin)).toBe(true);
  });
});
