import { create } from '@bufbuild/protobuf';
import { durationFromMs, durationMs, DurationSchema, type Duration } from '@bufbuild/protobuf/wkt';
import { lockDevClock, type DevClock } from '@omtobe/db';
import { FailedPreconditionError, UnavailableError } from '@omtobe/platform';
import type { SetCycleDayResponse } from '@omtobe/proto/state-engine/v1';
import type { InjectHighStakesEventResponse, InjectHrvDropResponse } from '@omtobe/proto/integrations/v1';
import type { Caller } from './caller.ts';
import type { Deps } from './deps.ts';
import { moveClocks, type ClockPeer } from './dev-clock.ts';
import { forRegisteredUser } from './registered-user.ts';

// Development mode's demo controls (the seed's "quick actions"): the services refuse them in production,
// and the gateway does not even route them there.

export function injectHrvDrop(deps: Deps, caller: Caller, dropPercent: number): Promise<InjectHrvDropResponse> {
  return forRegisteredUser(deps, caller, 'integrations', (options) => deps.peers.integrations.injectHrvDrop({ userId: caller.userId, dropPercent }, options));
}

export function injectHighStakesEvent(deps: Deps, caller: Caller, title: string, minutes: number): Promise<InjectHighStakesEventResponse> {
  return forRegisteredUser(deps, caller, 'integrations', (options) =>
    deps.peers.integrations.injectHighStakesEvent({
      userId: caller.userId,
      title,
      duration: create(DurationSchema, { seconds: BigInt(Math.round(minutes * 60)) }),
    }, options),
  );
}

/** The development clock as the gateway has it: how far ahead of real time the system runs, and its "now". */
export interface DevTime {
  offsetMs: number;
  now: Date;
}

function devClockOf(deps: Deps): DevClock {
  if (!deps.devClock) throw new FailedPreconditionError('development controls are off (OMTOBE_MODE is not development)', { reason: 'development_only' });
  return deps.devClock;
}

/** The services that keep a development clock, each moved with its AdvanceDevClock. */
function clockPeers(deps: Deps): ClockPeer[] {
  const request = (offsetMs: number) => ({ offset: durationFromMs(offsetMs) });
  const options = (signal?: AbortSignal) => (signal ? { signal } : {});
  const offsetOf = (answer: { offset?: Duration | undefined }) => (answer.offset ? durationMs(answer.offset) : 0);
  return [
    { name: 'state-engine', advanceTo: async (ms, signal) => offsetOf(await deps.peers.stateEngine.advanceDevClock(request(ms), options(signal))) },
    { name: 'integrations', advanceTo: async (ms, signal) => offsetOf(await deps.peers.integrations.advanceDevClock(request(ms), options(signal))) },
    { name: 'decision-log', advanceTo: async (ms, signal) => offsetOf(await deps.peers.decisionLog.advanceDevClock(request(ms), options(signal))) },
  ];
}

/**
 * Moves the whole system's development clock forward: the state engine's (days, cooling, due work),
 * integrations' (injects, mock providers, its worker), the decision log's (retention) and then the gateway's
 * own (registrations, zone changes, erasures). The gateway's offset is the system's: a move starts from it,
 * under its row lock (one move at a time), and it is stored only once every service has moved, so a move that
 * failed (503 naming the service) can be retried as it is without moving anyone twice. A client that hangs up
 * does not cut a move short: it would leave the services apart until the next move.
 */
export async function advanceTime(deps: Deps, minutes: number): Promise<DevTime> {
  const devClock = devClockOf(deps);
  const byMs = Math.round(minutes * 60_000);
  try {
    const offsetMs = await deps.db.transaction().execute(async (trx) => {
      const agreed = await moveClocks(clockPeers(deps), (await lockDevClock(trx)) + byMs);
      return devClock.advanceTo(agreed, trx);
    });
    return { offsetMs, now: devClock.now() };
  } catch (error) {
    if (error instanceof UnavailableError) deps.logger.warn({ err: error.cause, reason: error.reason }, 'development clock not moved');
    throw error;
  }
}

/** The development clock now (the gateway's, which every service has reached). */
export function devTime(deps: Deps): DevTime {
  const devClock = devClockOf(deps);
  return { offsetMs: devClock.offsetMs, now: devClock.now() };
}

export function setCycleDay(deps: Deps, caller: Caller, day: number): Promise<SetCycleDayResponse> {
  return forRegisteredUser(deps, caller, 'state-engine', (options) => deps.peers.stateEngine.setCycleDay({ userId: caller.userId, day }, options));
}
