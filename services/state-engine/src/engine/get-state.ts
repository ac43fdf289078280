import { canReflect, cycleDay, cycleStart, nextLocalMidnight, phaseOf, reflectionWindow, type Phase } from '../domain/index.ts';
import { findEvent, upcomingEvents, type HighStakesEventRow } from '../store/events.repo.ts';
import { latestReadings } from '../store/hrv.repo.ts';
import type { Engine } from './engine.ts';
import { dueAtOf } from './rollover.ts';
import { currentUserState, latestReading, type Reading } from './snapshot.ts';

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
  evaluatedAt: Date;
}

/** GetState: the cycle, cooling, locks, the reflection window and today's remaining high-stakes events. */
export async function getState(engine: Engine, userId: string): Promise<StateView> {
  const now = engine.clock.now();
  const state = await currentUserState(engine, userId, now);
  const tz = state.timezone;
  const [readings, upcoming, pending] = await Promise.all([
    latestReadings(engine.db, userId),
    upcomingEvents(engine.db, userId, now, nextLocalMidnight(now, tz)),
    state.pending_event_id ? findEvent(engine.db, userId, state.pending_event_id) : Promise.resolve(undefined),
  ]);
  const day = cycleDay(state.cycle_start_date, now, tz);
  const reading = latestReading(readings);
  const cycle = { startDate: state.cycle_start_date, ...(state.reflection_answered_at ? { reflectionAnsweredAt: state.reflection_answered_at } : {}) };
  return {
    userId,
    timezone: tz,
    day,
    phase: phaseOf(day),
    cycleStart: cycleStart(state.cycle_start_date, tz),
    nextCycleStart: dueAtOf(state),
    ...(state.cooling_until && state.cooling_until > now ? { coolingUntil: state.cooling_until } : {}),
    lockedEventIds: state.locked_event_ids,
    ...(pending ? { pendingEvent: pending } : {}),
    shouldDisplayReflection: canReflect(cycle, now, tz, engine.rules),
    reflectionOpensAt: reflectionWindow(state.cycle_start_date, tz, engine.rules).opensAt,
    reflectionAnswered: state.reflection_answered_at !== null,
    ...(reading ? { reading } : {}),
    upcomingEvents: upcoming,
    evaluatedAt: now,
  };
}
