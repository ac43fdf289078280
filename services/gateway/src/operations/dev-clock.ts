import { UnavailableError } from '@omtobe/platform';
import type { PeerName } from '../peers/peers.ts';

/** A service with a development clock: its name, and the move (AdvanceDevClock), answering the offset it runs at. */
export interface ClockPeer {
  name: PeerName;
  advanceTo(offsetMs: number, signal?: AbortSignal): Promise<number>;
}

/**
 * Moves every peer's development clock to `targetMs` ahead of real time and answers the offset they all run at
 * afterwards. All must succeed, or the first that failed (in the order given) is named in a 503; the caller
 * then keeps its own clock where it was, so a retry asks for the same offset again, and a move is idempotent
 * (a clock never moves back), so the peers that did move stay put and the rest catch up.
 *
 * A peer already further ahead (an earlier move failed halfway and was never retried, or the state engine's
 * old AdvanceClock moved it alone) would leave the services disagreeing: the others are moved on to its
 * offset in a second round, so one development clock comes out of every move.
 */
export async function moveClocks(peers: readonly ClockPeer[], targetMs: number, signal?: AbortSignal): Promise<number> {
  const answers = await moveAll(peers, targetMs, signal);
  const agreed = Math.max(targetMs, ...answers.values());
  const behind = peers.filter((p) => answers.get(p.name)! < agreed);
  if (behind.length > 0) await moveAll(behind, agreed, signal);
  return agreed;
}

async function moveAll(peers: readonly ClockPeer[], offsetMs: number, signal?: AbortSignal): Promise<Map<PeerName, number>> {
  const results = await Promise.allSettled(peers.map((p) => p.advanceTo(offsetMs, signal)));
  const answers = new Map<PeerName, number>();
  for (const [i, result] of results.entries()) {
    const peer = peers[i]!;
    if (result.status === 'rejected') {
      throw new UnavailableError(`${peer.name} could not move its development clock; retry the same move`, {
        reason: `dependency_unavailable:${peer.name}`,
        cause: result.reason,
      });
    }
    answers.set(peer.name, result.value);
  }
  return answers;
}
