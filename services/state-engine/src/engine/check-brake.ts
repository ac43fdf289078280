import { sql } from 'kysely';
import { cycleDay, evaluateBrake, phaseOf, type BrakeDecision, type Phase } from '../domain/index.ts';
import type { HighStakesEventRow } from '../store/events.repo.ts';
import type { Engine } from './engine.ts';
import { currentSnapshot, latestReading, type Reading } from './snapshot.ts';

export interface BrakeCheck {
  decision: BrakeDecision;
  day: number;
  phase: Phase;
  reading?: Reading;
  coolingUntil?: Date;
  /** The user chose Proceed for a running high-stakes event. */
  decisionLocked: boolean;
  evaluatedAt: Date;
}

/**
 * CheckBrake: one statement of primary-key and index lookups whatever the number of samples and users (the
 * baseline was computed when the latest sample arrived). When the brake shows it becomes the pending brake,
 * which a decision then answers.
 */
export async function checkBrake(engine: Engine, userId: string): Promise<BrakeCheck> {
  const now = engine.clock.now();
  // Running events: started at or before now, not yet ended.
  const { state, readings, events } = await currentSnapshot(engine, userId, now, { endingAfter: now, startingBefore: now, includeStartingAt: true });
  const reading = latestReading(readings);
  const day = cycleDay(state.cycle_start_date, now, state.timezone);
  const locked = new Set(state.locked_event_ids);
  const cooling = state.cooling_until && state.cooling_until > now ? state.cooling_until : undefined;
  const decision = evaluateBrake(
    {
      now,
      day,
      activeEvents: events.map(toDomainEvent),
      lockedEventIds: locked,
      ...(reading ? { latestSample: { valueMs: reading.valueMs, metric: reading.metric, measuredAt: reading.measuredAt } } : {}),
      ...(reading?.baseline ? { baseline: reading.baseline } : {}),
      ...(cooling ? { coolingUntil: cooling } : {}),
    },
    engine.rules,
  );
  if (decision.show && state.pending_event_id !== decision.event.id) {
    // Conditional: a Delay or Proceed committed since the read above wins over this check.
    await engine.db
      .updateTable('user_states')
      .set({ pending_event_id: decision.event.id, updated_at: now })
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('cooling_until', 'is', null), eb('cooling_until', '<=', now)]))
      .where(sql<boolean>`not (${decision.event.id} = any(locked_event_ids))`)
      .execute();
  }
  return {
    decision,
    day,
    phase: phaseOf(day),
    ...(reading ? { reading } : {}),
    ...(cooling ? { coolingUntil: cooling } : {}),
    decisionLocked: events.some((e) => locked.has(e.event_id)),
    evaluatedAt: now,
  };
}

export function toDomainEvent(row: HighStakesEventRow) {
  return { id: row.event_id, title: row.title, startsAt: row.starts_at, endsAt: row.ends_at };
}
