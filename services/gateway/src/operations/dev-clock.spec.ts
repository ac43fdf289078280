import { describe, expect, it } from '@jest/globals';
import { UnavailableError } from '@omtobe/platform';
import type { PeerName } from '../peers/peers.ts';
import { moveClocks, type ClockPeer } from './dev-clock.ts';

/** A service's development clock as AdvanceDevClock keeps it: never back; `fails` refuses every move. */
function peer(name: PeerName, offsetMs = 0, fails = false): ClockPeer & { offsetMs: number; asked: number[] } {
  const p = {
    name,
    offsetMs,
    asked: [] as number[],
    async advanceTo(target: number) {
      p.asked.push(target);
      if (fails) throw new Error('connect ECONNREFUSED');
      p.offsetMs = Math.max(p.offsetMs, target);
      return p.offsetMs;
    },
  };
  return p;
}

describe('moveClocks', () => {
  it('moves every service to the offset and answers it', async () => {
    const peers = [peer('state-engine'), peer('integrations'), peer('decision-log')];
    expect(await moveClocks(peers, 3_600_000)).toBe(3_600_000);
    expect(peers.map((p) => p.offsetMs)).toEqual([3_600_000, 3_600_000, 3_600_000]);
    expect(peers.map((p) => p.asked)).toEqual([[3_600_000], [3_600_000], [3_600_000]]);
  });

  it('catches every service up with one that was already further ahead', async () => {
    const peers = [peer('state-engine', 5_000), peer('integrations', 0), peer('decision-log', 1_000)];
    expect(await moveClocks(peers, 2_000)).toBe(5_000);
    expect(peers.map((p) => p.offsetMs)).toEqual([5_000, 5_000, 5_000]);
    expect(peers.map((p) => p.asked)).toEqual([[2_000], [2_000, 5_000], [2_000, 5_000]]);
  });

  it('names the first service that could not move in a 503, after asking them all', async () => {
    const peers = [peer('state-engine'), peer('integrations', 0, true), peer('decision-log', 0, true)];
    const failure = await moveClocks(peers, 60_000).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UnavailableError);
    expect(failure).toMatchObject({ reason: 'dependency_unavailable:integrations' });
    expect((failure as Error).cause).toEqual(new Error('connect ECONNREFUSED'));
    expect(peers.map((p) => p.asked)).toEqual([[60_000], [60_000], [60_000]]);
  });

  it('repeats a failed move as it is: the services that moved stay put, the rest catch up', async () => {
    const peers = [peer('state-engine'), peer('integrations', 0, true)];
    await expect(moveClocks(peers, 60_000)).rejects.toThrow(UnavailableError);
    const recovered = [peers[0]!, peer('integrations')];
    expect(await moveClocks(recovered, 60_000)).toBe(60_000);
    expect(recovered.map((p) => p.offsetMs)).toEqual([60_000, 60_000]);
  });
});
