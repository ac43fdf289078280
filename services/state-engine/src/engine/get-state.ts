import { canReflect, cycleDayShown, nextLocalMidnight, oneEventPerMeeting, phaseOf, reflectionWindow, whyNotAnswerable, type Phase, type Prompt } from '../domain/index.ts';
import type { HighStakesEventRow } from '../store/events.repo.ts';
import type { Engine } from './engine.ts';
import { storedPrompt } from './prompts.ts';
import { dueAtOf } from './rollover.ts';
import { currentReading, currentSnapshot, meetingPreferences, shownBrakeOf, type Reading } from './snapshot.ts';

export interface StateView {
  userId: string;
  timezone: string;
  day: number;
  phase: Phase;
  cycleStart: Date;
  nextCycleStart: Date;
  coolingUntil?: Date;
  lockedEventIds: string[];
  pendingEvent?: HighStakesEventRow;
  shouldDisplayReflection: boolean;
  reflectionOpensAt: Date;
  reflectionAnswered: boolean;
  reading?: Reading;
  upcomingEvents: HighStakesEventRow[];
  /** What the app should show now: the last published prompt, and the transition count it took effect at. */
  prompt: Prompt;
  promptSequence: number;
  evaluatedAt: Date;
}

const longerThanAnyDayMs = 48 * 3_600_000;

/** GetState: the cycle, cooling, locks, the reflection window and today's remaining high-stakes events. */
export async function getState(engine: Engine, userId: string): Promise<StateView> {
  const now = engine.clock.now();
  // Today's remaining events: running now or starting before the next local midnight. The user's zone comes
  // with the same statement, so it reads a window surely longer than any local day and cuts it here.
  const snapshot = await currentSnapshot(engine, userId, now, { endingAfter: now, startingBefore: new Date(now.getTime() + longerThanAnyDayMs), includeStartingAt: false });
  const { state, readings } = snapshot;
  const tz = state.timezone;
  const midnight = nextLocalMidnight(now, tz);
  // One event per meeting (domain/meetings.ts): a meeting two calendars hold is listed once.
  const meetings = new Set(oneEventPerMeeting(snapshot.events.map((e) => ({ id: e.event_id, startsAt: e.starts_at, endsAt: e.ends_at })), meetingPreferences(state)).map((e) => e.id));
  const upcoming = snapshot.events.filter((e) => e.starts_at < midnight && meetings.has(e.event_id));
  const day = cycleDayShown(state.cycle_start_date, now, tz);
  // The pending brake as a decision would find it: only while it can still be answered.
  const stored = snapshot.pendingEvent?.event_id === state.pending_event_id ? snapshot.pendingEvent : undefined;
  const answerable = stored && whyNotAnswerable(shownBrakeOf(state), day, { startsAt: stored.starts_at, endsAt: stored.ends_at }, now) === undefined;
  const pending = answerable ? stored : undefined;
  const reading = currentReading(readings, now, engine.rules);
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
    shouldDisplayReflection: canReflect(cycle, now, tz, engine.rules),
    reflectionOpensAt: reflectionWindow(state.cycle_start_date, tz, engine.rules).opensAt,
    reflectionAnswered: state.reflection_answered_at !== null,
    ...(reading ? { reading } : {}),
    upcomingEvents: upcoming,
    prompt: storedPrompt(state),
    promptSequence: state.prompt_sequence,
    evaluatedAt: now,
  };
}
