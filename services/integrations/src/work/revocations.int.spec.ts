import { describe, expect, it } from '@jest/globals';
import { Provider } from '@omtobe/proto/integrations/v1';
import { captureLogs, connectGoogle, connectWhoop } from '../../test/flows.ts';
import { providersPerFile, type Harness } from '../../test/harness.ts';
import { googleErrorOf, type GoogleApi } from '../providers/google/google-api.ts';
import { runDueRevocations } from './revocations.ts';

// A revocation refused for the provider's rate limit is rescheduled at the limit's reset without counting an
// attempt, for three days from the first refusal; after that a rate limit counts, and the sixth attempt ends it.
// WHOOP's limits are the app's (every user's calls count): with the day's calls spent, six counted tries used to
// go in about 16 minutes, and the grant was never revoked.

const now0 = new Date('2026-06-10T12:00:00Z');
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
/** The fake WHOOP's windows are UTC: the day's calls come back at midnight. */
const midnight = (days: number) => new Date(Date.UTC(2026, 5, 11 + days));

describe('revocations under provider rate limits', () => {
  let h: Harness;
  providersPerFile(now0, (started) => (h = started));

  const queued = async () =>
    (await h.deps.db.selectFrom('revocations').select(['attempts', 'due_at', 'rate_limited_since']).execute()).map((r) => ({ ...r }));
  /** Connected, then disconnected: the grant waits in the revocation queue. */
  const disconnected = async (userId: string, whoopId: string) => {
    await connectWhoop(h, userId, whoopId);
    expect((await h.client.disconnect({ userId, provider: Provider.WHOOP })).disconnected).toBe(true);
  };

  it("WHOOP's day spent: the revocation waits for the day's reset without counting an attempt, and revokes then", async () => {
    await disconnected('r-day', '301');
    h.whoop.spend(10_000, 'day');
    const logs = captureLogs(h);
    expect(await h.runRevocations()).toBe(1);
    expect(h.whoop.tooManyRequests).toBe(1);
    expect(await queued()).toEqual([{ attempts: 0, due_at: midnight(0), rate_limited_since: now0 }]);
    expect(logs.filter((l) => l.level === 40).map((l) => l.msg)).toEqual(['provider rate limit: revocation rescheduled at its reset, no attempt counted']);
    // Nothing is asked of WHOOP before the reset, however often the worker runs.
    for (const at of [now0.getTime() + hour, midnight(0).getTime() - 1]) {
      h.clock.set(new Date(at));
      expect(await h.runRevocations()).toBe(0);
    }
    expect(h.whoop.tooManyRequests).toBe(1);
    h.clock.set(midnight(0));
    expect(await h.runRevocations()).toBe(1);
    expect(h.whoop.revoked).toEqual(['301']);
    expect(await queued()).toEqual([]);
  });

  it('is bounded: rate limits are waited out for three days, then each counts, and the sixth attempt ends the revocation', async () => {
    await disconnected('r-never', '302');
    h.whoop.setLimits({ perDay: 0 }); // every call refused until the day's reset, every day
    const logs = captureLogs(h);
    const passes: Array<{ at: Date; attempts: number; due: Date | undefined }> = [];
    for (let pass = 0; pass < 20; pass += 1) {
      const [before] = await queued();
      if (!before) break;
      h.clock.set(before.due_at);
      expect(await h.runRevocations()).toBe(1);
      const [after] = await queued();
      passes.push({ at: before.due_at, attempts: after?.attempts ?? 6, due: after?.due_at });
    }
    // Uncounted while within three days of the first refusal (now0): then counted, each try still at a reset.
    expect(passes).toEqual([
      { at: now0, attempts: 0, due: midnight(0) },
      { at: midnight(0), attempts: 0, due: midnight(1) },
      { at: midnight(1), attempts: 0, due: midnight(2) },
      { at: midnight(2), attempts: 0, due: midnight(3) },
      ...[1, 2, 3, 4, 5].map((attempts) => ({ at: midnight(2 + attempts), attempts, due: midnight(3 + attempts) })),
      { at: midnight(8), attempts: 6, due: undefined },
    ]);
    expect(midnight(8).getTime() - now0.getTime()).toBeLessThan(9 * day);
    expect(h.whoop.revoked).toEqual([]);
    expect(logs.filter((l) => l.level === 50).map((l) => l.msg)).toEqual(['revocation given up; the grant expires at the provider by itself']);
  });

  it("Google's 403 rateLimitExceeded names no reset: waits that double from a minute to an hour, no attempt counted", async () => {
    await connectGoogle(h, 'r-google');
    expect(await h.runSyncs()).toBe(1);
    expect((await h.client.disconnect({ userId: 'r-google', provider: Provider.GOOGLE_CALENDAR })).disconnected).toBe(true);
    // The fake Google answers /revoke before any queued refusal: the refusal Google sends, mapped by the client's own
    // error mapping, stands in for the revoke call until the test lets the real one through.
    const google = h.deps.google!;
    let refusing = true;
    const refused = { response: { status: 403, data: { error: { code: 403, errors: [{ domain: 'usageLimits', reason: 'rateLimitExceeded' }] } } } };
    const limited: GoogleApi = { ...google, revoke: async (token) => (refusing ? Promise.reject(googleErrorOf(refused, h.clock.now())) : google.revoke(token)) };
    const deps = { ...h.deps, google: limited };
    const waits: number[] = [];
    for (let pass = 0; pass < 9; pass += 1) {
      const [before] = await queued();
      h.clock.set(before!.due_at);
      expect(await runDueRevocations(deps)).toBe(1);
      const [after] = await queued();
      expect(after).toEqual({ attempts: 0, due_at: expect.any(Date), rate_limited_since: now0 });
      waits.push((after!.due_at.getTime() - before!.due_at.getTime()) / minute);
    }
    expect(waits).toEqual([1, 1, 2, 4, 8, 16, 32, 60, 60]);
    refusing = false;
    h.clock.set((await queued())[0]!.due_at);
    expect(await runDueRevocations(deps)).toBe(1);
    expect(h.google.revoked).toHaveLength(1);
    expect(await queued()).toEqual([]);
  });
});
