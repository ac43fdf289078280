import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { enqueueEvent, topics } from '@omtobe/events';
import {
  PromptEventSchema,
  PromptKind,
  PromptSchema,
  PromptTransitionKind,
  PromptTransitionSchema,
  ReflectionClosedReason,
  type Prompt as PromptMessage,
} from '@omtobe/proto/state-engine/v1';
import { reasonToProto } from '../api/mappers.ts';
import {
  cycleDayShown,
  latestReading,
  nextPromptInstant,
  noPrompt,
  oneEventPerMeeting,
  promptAt,
  promptChanges,
  readingRequestsDue,
  type Prompt,
  type PromptChange,
  type PromptEvent,
  type PromptInput,
  type Rules,
} from '../domain/index.ts';
import type { Database } from '../store/database.ts';
import { readUserSnapshot } from '../store/user-snapshot.repo.ts';
import { lockUserState, meetingPreferences, updateUserState, type UserState } from '../store/user-states.repo.ts';
import { registrationOf } from './registration.ts';
import { dueAtOf } from './rollover.ts';

// The prompt depends on events running now and on those starting before the next local midnight (always a
// candidate instant): a window surely longer than any local day holds every event that can matter.
const longerThanAnyDayMs = 48 * 3_600_000;

/**
 * Brings the user's published prompt up to date as of `now`, in the caller's transaction: evaluates what the app
 * should show (domain/prompts.ts), publishes every change since the last published prompt and every reading request
 * now due (prompts.v1, through the outbox, so nothing is published unless the transaction commits, and a change is
 * published exactly once: the next evaluation compares with what this one stored), stores the outcome and moves
 * `due_at` to the next instant at which it may change. Every input that can change the outcome (a sample, an event,
 * a decision, a reflection, a zone or cycle change, a rollover) calls this after storing itself; the due-work loop
 * calls it at the instants. Returns the state after, or undefined for a user the engine does not know.
 *
 * A raised brake becomes the pending brake, as a check that shows it does: the person answering the push answers it.
 */
export async function reconcilePrompt(trx: Transaction<Database>, userId: string, now: Date, rules: Rules): Promise<UserState | undefined> {
  // Lock first, then read in a statement of its own: under READ COMMITTED a statement sees the snapshot taken when it
  // began, so a `FOR UPDATE` read that waited for another consumer's transaction would still miss that transaction's
  // reading or event in its sub-selects (and the prompt would stay `none`).
  if (!(await lockUserState(trx, userId))) return undefined;
  const snapshot = await readUserSnapshot(trx, userId, { endingAfter: now, startingBefore: new Date(now.getTime() + longerThanAnyDayMs), includeStartingAt: true });
  if (!snapshot) return undefined;
  const { state } = snapshot;
  const { readings } = snapshot;
  const reading = latestReading(snapshot.readings, now, rules);
  const input: PromptInput = {
    now,
    timeZone: state.timezone,
    cycleStartDate: state.cycle_start_date,
    ...(state.reflection_answered_at ? { reflectionAnsweredAt: state.reflection_answered_at } : {}),
    ...(reading ? { reading } : {}),
    readings,
    // One event per meeting (domain/meetings.ts): the same meeting from two calendars brakes once.
    events: oneEventPerMeeting(snapshot.events, meetingPreferences(state)),
    ...(state.cooling_until ? { coolingUntil: state.cooling_until } : {}),
    lockedEventIds: new Set(state.locked_event_ids),
    readingRequestedEventIds: new Set(state.reading_requested_event_ids),
  };
  const previous = storedPrompt(state);
  const next = promptAt(input, rules);
  const changes = promptChanges(previous, next, input, rules);
  const requests = readingRequestsDue(input, rules);

  const day = cycleDayShown(state.cycle_start_date, now, state.timezone);
  let count = state.transition_count;
  let promptSequence = state.prompt_sequence;
  const publish = (fields: Parameters<typeof transitionMessage>[0]) =>
    enqueueEvent(trx, { topic: topics.prompts, key: userId, schema: PromptTransitionSchema, message: transitionMessage(fields), occurredAt: now });
  for (const change of changes) {
    // Each change is a prompt taking effect: the prompt it leaves carries its sequence.
    count += 1;
    promptSequence = count;
    await publish({ state, change, now, day, sequence: count, prompt: promptAfter(change, next), promptSequence });
  }
  for (const event of requests) {
    count += 1;
    await publish({ state, change: { kind: 'reading_requested', event }, now, day, sequence: count, prompt: next, promptSequence });
  }

  const openEventIds = new Set(input.events.map((e) => e.id));
  const brakeShownNow = next.kind === 'brake' && !(previous.kind === 'brake' && previous.event.id === next.event.id);
  const updated: Partial<UserState> = {
    prompt_kind: next.kind,
    prompt_event_id: next.kind === 'brake' ? next.event.id : null,
    prompt_event_starts_at: next.kind === 'brake' ? next.event.startsAt : null,
    prompt_event_ends_at: next.kind === 'brake' ? next.event.endsAt : null,
    prompt_expires_at: next.kind === 'none' ? null : next.expiresAt,
    prompt_day: next.kind === 'none' ? null : next.day,
    prompt_sequence: promptSequence,
    transition_count: count,
    // Only events that can still matter are remembered (the list stays as short as the user's open events).
    reading_requested_event_ids: [...state.reading_requested_event_ids.filter((id) => openEventIds.has(id)), ...requests.map((e) => e.id)],
    ...(brakeShownNow && next.kind === 'brake' ? { pending_event_id: next.event.id, pending_day: next.day } : {}),
    due_at: new Date(Math.min(dueAtOf(state).getTime(), nextPromptInstant(input, rules).getTime())),
  };
  if (changes.length > 0 || requests.length > 0) updated.updated_at = now;
  await updateUserState(trx, userId, updated);
  return { ...state, ...updated };
}

/** The prompt last published for the user, from their row. */
export function storedPrompt(state: UserState): Prompt {
  if (state.prompt_kind === 'brake' && state.prompt_event_id && state.prompt_event_starts_at && state.prompt_event_ends_at && state.prompt_expires_at) {
    return {
      kind: 'brake',
      event: { id: state.prompt_event_id, startsAt: state.prompt_event_starts_at, endsAt: state.prompt_event_ends_at },
      day: state.prompt_day ?? 0,
      expiresAt: state.prompt_expires_at,
    };
  }
  if (state.prompt_kind === 'reflection' && state.prompt_expires_at) return { kind: 'reflection', day: state.prompt_day ?? 0, expiresAt: state.prompt_expires_at };
  return noPrompt;
}

/** What shows after one change of a batch: nothing after a withdrawal or a closing, the new outcome after a raise or an opening. */
function promptAfter(change: PromptChange, next: Prompt): Prompt {
  return change.kind === 'brake_withdrawn' || change.kind === 'reflection_closed' ? noPrompt : next;
}

/** The user's prompt as the contract tells it (GetState, the first message of a stream). */
export function promptMessage(prompt: Prompt, sequence: number): PromptMessage {
  return create(PromptSchema, {
    kind: prompt.kind === 'brake' ? PromptKind.BRAKE : prompt.kind === 'reflection' ? PromptKind.REFLECTION : PromptKind.NONE,
    ...(prompt.kind === 'brake' ? { event: eventMessage(prompt.event) } : {}),
    ...(prompt.kind !== 'none' ? { expiresAt: timestampFromDate(prompt.expiresAt), cycleDay: prompt.day } : {}),
    sequence: BigInt(sequence),
  });
}

function eventMessage(e: PromptEvent) {
  return create(PromptEventSchema, { eventId: e.id, startsAt: timestampFromDate(e.startsAt), endsAt: timestampFromDate(e.endsAt) });
}

const kindToProto = {
  brake_raised: PromptTransitionKind.BRAKE_RAISED,
  brake_withdrawn: PromptTransitionKind.BRAKE_WITHDRAWN,
  reflection_opened: PromptTransitionKind.REFLECTION_OPENED,
  reflection_closed: PromptTransitionKind.REFLECTION_CLOSED,
  reading_requested: PromptTransitionKind.READING_REQUESTED,
} as const;

function transitionMessage(fields: {
  state: UserState;
  change: PromptChange | { kind: 'reading_requested'; event: PromptEvent };
  now: Date;
  day: number;
  sequence: number;
  prompt: Prompt;
  promptSequence: number;
}) {
  const { change } = fields;
  const expiresAt =
    change.kind === 'brake_raised' || change.kind === 'reflection_opened' ? change.expiresAt : change.kind === 'reading_requested' ? change.event.endsAt : undefined;
  return create(PromptTransitionSchema, {
    userId: fields.state.user_id,
    transitionId: randomUUID(),
    kind: kindToProto[change.kind],
    occurredAt: timestampFromDate(fields.now),
    ...('event' in change ? { event: eventMessage(change.event) } : {}),
    ...(change.kind === 'brake_withdrawn' && change.reason ? { withdrawnReason: reasonToProto[change.reason] } : {}),
    ...(change.kind === 'reflection_closed'
      ? { reflectionClosedReason: change.reason === 'answered' ? ReflectionClosedReason.ANSWERED : ReflectionClosedReason.WINDOW_ENDED }
      : {}),
    ...(expiresAt ? { expiresAt: timestampFromDate(expiresAt) } : {}),
    cycleDay: fields.day,
    sequence: BigInt(fields.sequence),
    prompt: promptMessage(fields.prompt, fields.promptSequence),
    ...registrationOf(fields.state),
  });
}
