import {
  canReflect,
  cycleDayShown,
  nextLocalMidnight,
  latestReading,
  oneEventPerMeeting,
  phaseOf,
  reflectionWindow,
  whyNotAnswerable,
  type HighStakesEvent,
  type Phase,
  type Prompt,
  type Reading,
} from '../domain/index.ts';
import type { Deps } from './deps.ts';
import { storedPrompt } from './prompts.ts';
import { dueAtOf } from './rollover.ts';
import { currentSnapshot } from './snapshot.ts';
import { meetingPreferences, shownBrakeOf } from '../store/user-states.repo.ts';

export interface StateView {
  userId: string;
  timezone: string;
  day: number;
  phase: Phase;
  cycleStart: Date;
  nextCycleStart: Date;
  coolingUntil?: Date;
  lockedEventIds: string[];
  pendingEvent?: HighStakesEvent;
  shouldDisplayReflection: boolean;
  reflectionOpensAt: Date;
  reflectionAnswered: boolean;
  reading?: Reading;
  upcomingEvents: HighStakesEvent[];
  /** What the app should show now: the last published prompt, and the transition count it took effect at. */
  prompt: Prompt;
  promptSequence: number;
  evaluatedAt: Date;
}

const longerThanAnyDayMs = 48 * 3_600_000;

/** GetState: the cycle, cooling, locks, the reflection window and today's remaining high-stakes events. */
export async function getState(deps: Deps, userId: string): Promise<StateView> {
  const now = deps.clock.now();
  // Today's remaining events: running now or starting before the next local midnight. The user's zone comes
  // with the same statement, so it reads a window surely longer than any local day and cuts it here.
  const snapshot = await currentSnapshot(deps, userId, now, { endingAfter: now, startingBefore: new Date(now.getTime() + longerThanAnyDayMs), includeStartingAt: false });
  const { state, readings } = snapshot;
  const tz = state.timezone;
  const midnight = nextLocalMidnight(now, tz);
  // One event per meeting (domain/meetings.ts): a meeting two calendars hold is listed once.
  const meetings = new Set(oneEventPerMeeting(snapshot.events, meetingPreferences(state)).map((e) => e.id));
  const upcoming = snapshot.events.filter((e) => e.startsAt < midnight && meetings.has(e.id));
  const day = cycleDayShown(state.cycle_start_date, now, tz);
  // The pending brake as a decision would find it: only while it can still be answered.
  const stored = snapshot.pendingEvent?.id === state.pending_event_id ? snapshot.pendingEvent : undefined;
  const answerable = stored && whyNotAnswerable(shownBrakeOf(state), day, stored, now) === undefined;
  const pending = answerable ? stored : undefined;
  const reading = latestReading(readings, now, deps.rules);
  const cycle = { startDate: state.cycle_start_date, ...(state.reflection_answered_at ? { reflectionAnsweredAt: state.reflection_answered_at } : {}) };
  return {
    userId,
    timezone: tz,
    day,
    phase: phaseOf(day),
    // The instant the cycle did start (what history says), not its start date read in today's zone.
    cycleStart: state.cycle_started_at,
    nextCycleStart: dueAtOf(state),
    ...(state.cooling_until && state.cooling_until > now ? { coolingUntil: state.cooling_until } : {}),
    lockedEventIds: state.locked_event_ids,
    ...(pending ? { pendingEvent: pending } : {}),
    shouldDisplayReflection: canReflect(cycle, now, tz, deps.rules),
    reflectionOpensAt: reflectionWindow(state.cycle_start_date, tz, deps.rules).opensAt,
    reflectionAnswered: state.reflection_answered_at !== null,
    ...(reading ? { reading } : {}),
    upcomingEvents: upcoming,
    prompt: storedPrompt(state),
    promptSequence: state.prompt_sequence,
    evaluatedAt: now,
  };
}
