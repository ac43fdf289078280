import { describe, expect, it } from '@jest/globals';
import { connectGoogle } from '../../test/flows.ts';
import { providersPerFile, type Harness } from '../../test/harness.ts';
import { renewExpiringChannels } from './maintenance.ts';

// The maintenance pass asks for a sync when a user's push channel is due for renewal, by the rule the sync renews
// by (providers/google/calendar-channels.ts channelRenewalDue): the configured margin (24 h), or half the life
// Google granted when that is shorter. By the margin alone, a channel Google capped at 12 hours would be "expiring"
// from birth and ask for a sync on every pass.

const now0 = new Date('2026-06-10T12:00:00Z');
const hour = 3_600_000;
const day = 24 * hour;
const at = (hours: number) => new Date(now0.getTime() + hours * hour);

describe('channel renewal in the maintenance pass', () => {
  let h: Harness;
  providersPerFile(now0, (started) => (h = started));

  /** Connected now, first sync done: a push channel open, with the life Google granted. */
  const connectedWithChannel = async (userId: string) => {
    const watches = h.google.watches.length;
    await connectGoogle(h, userId);
    expect(await h.runSyncs()).toBeGreaterThanOrEqual(1);
    expect(h.google.watches).toHaveLength(watches + 1);
  };

  it('asks for no sync while a channel Google granted 12 hours has more than half its life left, and for one at half', async () => {
    h.google.capChannelTtl(12 * hour);
    await connectedWithChannel('m-capped');
    for (const hours of [0, 1, 5.99]) {
      h.clock.set(at(hours));
      expect(await renewExpiringChannels(h.deps)).toBe(0);
    }
    h.clock.set(at(6));
    expect(await renewExpiringChannels(h.deps)).toBe(1);
    expect(await h.runSyncs()).toBe(1);
    expect(h.google.watches).toHaveLength(2);
    // The new channel, granted 12 hours from hour 6, is left alone until hour 12.
    h.clock.set(at(11.99));
    expect(await renewExpiringChannels(h.deps)).toBe(0);
    h.clock.set(at(12));
    expect(await renewExpiringChannels(h.deps)).toBe(1);
  });

  it('renews a channel granted the week it asked for at the configured margin, 24 hours before its end', async () => {
    await connectedWithChannel('m-week');
    h.clock.set(new Date(at(7 * 24).getTime() - day - 1));
    expect(await renewExpiringChannels(h.deps)).toBe(0);
    h.clock.set(new Date(at(7 * 24).getTime() - day));
    expect(await renewExpiringChannels(h.deps)).toBe(1);
  });

  it('finds the due channels behind any number of channels that are not due yet', async () => {
    h.google.capChannelTtl(12 * hour);
    // m-page-2's channel opened 4 hours earlier than m-page-1's: at hour 3 only it is past half its life.
    h.clock.set(at(-4));
    await connectedWithChannel('m-page-2');
    h.clock.set(at(0));
    await connectedWithChannel('m-page-1');
    h.clock.set(at(3));
    // Their next periodic syncs are hours away: only a renewal request brings one forward.
    await h.deps.db.updateTable('connections').set({ sync_due_at: at(10) }).execute();
    // One user a pass: m-page-1, first in user order, is a candidate (expiring within 24 h) but not due.
    expect(await renewExpiringChannels(h.deps, 1)).toBe(1);
    const due = await h.deps.db.selectFrom('connections').select(['user_id', 'sync_due_at']).orderBy('user_id').execute();
    expect(due.map((r) => [r.user_id, r.sync_due_at!.getTime() <= at(3).getTime()])).toEqual([
      ['m-page-1', false],
      ['m-page-2', true],
    ]);
  });
});
