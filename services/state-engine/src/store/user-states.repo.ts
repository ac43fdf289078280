import type { Insertable, Selectable, Transaction, Updateable } from 'kysely';
import type { MeetingPreferences, ShownBrake } from '../domain/index.ts';
import type { Database, Db, UserStatesTable } from './database.ts';

export type UserState = Selectable<UserStatesTable>;

export function findUserState(db: Db, userId: string): Promise<UserState | undefined> {
  return db.selectFrom('user_states').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/** Reads and locks the user's row for the rest of the transaction: decisions and rollovers of one user serialize here. */
export function lockUserState(trx: Transaction<Database>, userId: string): Promise<UserState | undefined> {
  return trx.selectFrom('user_states').selectAll().where('user_id', '=', userId).forUpdate().executeTakeFirst();
}

/** Creates the user's state on registration; a repeated registration changes nothing. */
export async function insertUserState(db: Db, state: Insertable<UserStatesTable>): Promise<boolean> {
  const inserted = await db
    .insertInto('user_states')
    .values(state)
    .onConflict((oc) => oc.column('user_id').doNothing())
    .returning('user_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function updateUserState(db: Db, userId: string, changes: Updateable<UserStatesTable>): Promise<void> {
  await db.updateTable('user_states').set(changes).where('user_id', '=', userId).execute();
}

/** Users whose time-driven work is due, locked so that other replicas take other users. */
export function lockDueUserStates(trx: Transaction<Database>, now: Date, limit: number): Promise<UserState[]> {
  return trx
    .selectFrom('user_states')
    .selectAll()
    .where('due_at', '<=', now)
    .orderBy('due_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/**
 * Erasure: every row of the user in the schema, and the user's events still waiting in the outbox (nothing of an
 * erased user leaves the service after the erasure; the inbox holds only event ids). `user_states` goes first: its
 * row lock waits for a decision being recorded right now, whose outbox row is then deleted too. A row the relay is
 * publishing at this moment is waited for and is gone once published; it carries the registration, so the
 * decision log drops it (erasures.ts in @omtobe/events).
 */
export async function deleteUserEverywhere(db: Db, userId: string): Promise<void> {
  const tables: Array<keyof Database> = ['user_states', 'hrv_samples', 'hrv_latest', 'high_stakes_events', 'idempotency_keys'];
  for (const table of tables) {
    await db.deleteFrom(table).where('user_id', '=', userId).execute();
  }
  await db.deleteFrom('outbox').where('key', '=', userId).execute();
}

/** The pending brake as it was shown (event and day), from the user's row. */
export function shownBrakeOf(state: Pick<UserState, 'pending_event_id' | 'pending_day'>): Partial<ShownBrake> {
  return { ...(state.pending_event_id ? { eventId: state.pending_event_id } : {}), ...(state.pending_day !== null ? { day: state.pending_day } : {}) };
}

/**
 * Which of a meeting's events represents it (domain/meetings.ts): the locked one, the one whose brake is shown, the
 * pending one, the one a reading was requested for — every reader of the user's events passes the same, so a check,
 * a view and the published prompt name the same event.
 */
export function meetingPreferences(state: Pick<UserState, 'locked_event_ids' | 'prompt_kind' | 'prompt_event_id' | 'pending_event_id' | 'reading_requested_event_ids'>): MeetingPreferences {
  return {
    lockedEventIds: new Set(state.locked_event_ids),
    shownEventId: state.prompt_kind === 'brake' ? (state.prompt_event_id ?? undefined) : undefined,
    pendingEventId: state.pending_event_id ?? undefined,
    readingRequestedEventIds: new Set(state.reading_requested_event_ids),
  };
}
