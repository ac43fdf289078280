/**
 * What the app should show the user now — nothing, the brake for one event, or the Day 7 reflection — and how it
 * changes. The engine keeps the last outcome per user and publishes every change of it (prompts.v1), so a phone
 * in a pocket is told when the brake shows instead of having to ask. The outcome is the brake decision and the
 * reflection window exactly as CheckBrake and GetState compute them (evaluateBrake, canReflect): a prompt can
 * never say what a check would not.
 *
 * The outcome changes on inputs (handled where they are stored) and at instants known in advance: an event starts
 * or ends, cooling ends, the latest reading goes stale or becomes believable, a local day begins, the reflection
 * opens or Day 7 ends. `nextPromptInstant` is the earliest of those after now; the due-work loop evaluates the user
 * again then.
 *
 * A reading request is no outcome: when a high-stakes event of Day 3–5 is about to start (`readingRequestLeadMinutes`
 * ahead, default 0) and the latest reading will not be fresh at its start, the app is asked once for a fresh one
 * (a silent push makes it sync HealthKit).
 */
import type { Reading } from './latest-reading.ts';
import { evaluateBrake, isActiveAt, isFresh, type BrakeReason, type HighStakesEvent } from './brake.ts';
import { cycleDayShown, phaseOf, reflectionWindow } from './cycle.ts';
import { nextLocalMidnight } from './calendar-days.ts';
import { canReflect } from './reflection.ts';
import type { Rules } from './rules.ts';

const MINUTE_MS = 60_000;

/** The event a prompt is about, without its title (titles never leave the engine in a prompt). */
export interface PromptEvent {
  readonly id: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
}

export type Prompt =
  | { readonly kind: 'none' }
  | { readonly kind: 'brake'; readonly event: PromptEvent; readonly day: number; readonly expiresAt: Date }
  | { readonly kind: 'reflection'; readonly day: number; readonly expiresAt: Date };

export const noPrompt: Prompt = Object.freeze({ kind: 'none' });

/** Everything the outcome depends on, as of `now`. */
export interface PromptInput {
  readonly now: Date;
  readonly timeZone: string;
  readonly cycleStartDate: string;
  readonly reflectionAnsweredAt?: Date;
  /** The reading the brake judges now (latestReading), with its metric's baseline. */
  readonly reading?: Reading;
  /** Every stored reading (one per metric): one stamped ahead becomes believable at a known instant. */
  readonly readings: readonly Reading[];
  /** The user's events that have not ended (running and future). */
  readonly events: readonly HighStakesEvent[];
  readonly coolingUntil?: Date;
  readonly lockedEventIds: ReadonlySet<string>;
  /** Events a fresh reading was already requested for in this cycle. */
  readonly readingRequestedEventIds: ReadonlySet<string>;
}

type PromptRules = Rules;

function toPromptEvent(e: PromptEvent): PromptEvent {
  return { id: e.id, startsAt: e.startsAt, endsAt: e.endsAt };
}

/** The outcome now: the brake when evaluateBrake shows it, else the reflection when canReflect, else nothing. */
export function promptAt(input: PromptInput, rules: PromptRules): Prompt {
  const { now, timeZone } = input;
  const day = cycleDayShown(input.cycleStartDate, now, timeZone);
  const brake = evaluateBrake(brakeInput(input, day), rules);
  if (brake.show) return { kind: 'brake', event: toPromptEvent(brake.event), day, expiresAt: brake.event.endsAt };
  const cycle = { startDate: input.cycleStartDate, ...(input.reflectionAnsweredAt ? { reflectionAnsweredAt: input.reflectionAnsweredAt } : {}) };
  if (canReflect(cycle, now, timeZone, rules)) {
    return { kind: 'reflection', day, expiresAt: reflectionWindow(input.cycleStartDate, timeZone, rules).closesAt };
  }
  return noPrompt;
}

/** Why the brake does not show now (the reason CheckBrake would give), for a withdrawal. */
export function brakeReasonAt(input: PromptInput, rules: PromptRules): BrakeReason | undefined {
  const decision = evaluateBrake(brakeInput(input, cycleDayShown(input.cycleStartDate, input.now, input.timeZone)), rules);
  return decision.show ? undefined : decision.reason;
}

function brakeInput(input: PromptInput, day: number) {
  return {
    now: input.now,
    day,
    activeEvents: input.events,
    lockedEventIds: input.lockedEventIds,
    ...(input.reading ? { latestSample: input.reading } : {}),
    ...(input.reading?.baseline ? { baseline: input.reading.baseline } : {}),
    ...(input.coolingUntil ? { coolingUntil: input.coolingUntil } : {}),
  };
}

export type PromptChange =
  | { readonly kind: 'brake_raised'; readonly event: PromptEvent; readonly expiresAt: Date }
  | { readonly kind: 'brake_withdrawn'; readonly event: PromptEvent; readonly reason?: BrakeReason }
  | { readonly kind: 'reflection_opened'; readonly expiresAt: Date }
  | { readonly kind: 'reflection_closed'; readonly reason: 'answered' | 'window_ended' };

/** Two outcomes are the same prompt when they show the same thing: the same kind, and for a brake the same event. */
export function samePrompt(a: Prompt, b: Prompt): boolean {
  if (a.kind !== b.kind) return false;
  return a.kind !== 'brake' || (b.kind === 'brake' && a.event.id === b.event.id);
}

/**
 * The changes that lead from the last published outcome to the one now, in the order they are told: what no
 * longer shows is withdrawn (or closed) before what shows now is raised (or opened). A withdrawn brake names the
 * rule that holds it back: its event is over or gone (no_high_stakes_event), the user chose Proceed for it
 * (locked_for_event), or whatever CheckBrake says now (cooling after Delay, stale_hrv, hrv_normal, a phase);
 * none when another event's brake replaced it while it still qualifies.
 */
export function promptChanges(previous: Prompt, next: Prompt, input: PromptInput, rules: PromptRules): PromptChange[] {
  if (samePrompt(previous, next)) return [];
  const changes: PromptChange[] = [];
  if (previous.kind === 'brake') {
    const reason = withdrawnReason(previous.event, input, rules);
    changes.push({ kind: 'brake_withdrawn', event: previous.event, ...(reason ? { reason } : {}) });
  } else if (previous.kind === 'reflection') {
    changes.push({ kind: 'reflection_closed', reason: input.reflectionAnsweredAt ? 'answered' : 'window_ended' });
  }
  if (next.kind === 'brake') changes.push({ kind: 'brake_raised', event: next.event, expiresAt: next.expiresAt });
  else if (next.kind === 'reflection') changes.push({ kind: 'reflection_opened', expiresAt: next.expiresAt });
  return changes;
}

function withdrawnReason(event: PromptEvent, input: PromptInput, rules: PromptRules): BrakeReason | undefined {
  const stored = input.events.find((e) => e.id === event.id);
  if (stored === undefined || !isActiveAt(stored, input.now)) return 'no_high_stakes_event';
  if (input.lockedEventIds.has(event.id)) return 'locked_for_event';
  return brakeReasonAt(input, rules);
}

/** When a fresh reading is asked for ahead of an event: `readingRequestLeadMinutes` before it starts. */
function requestAt(event: PromptEvent, rules: Pick<Rules, 'readingRequestLeadMinutes'>): Date {
  return new Date(event.startsAt.getTime() - rules.readingRequestLeadMinutes * MINUTE_MS);
}

/**
 * The events a fresh reading is to be requested for now: from `readingRequestLeadMinutes` before the start until
 * the end, on an intervention day (Day 3–5 at the event's start), not decided with Proceed, not requested before,
 * and the latest reading not fresh at the event's start (or now, if it has started). Earliest first.
 */
export function readingRequestsDue(input: PromptInput, rules: PromptRules): PromptEvent[] {
  const { now } = input;
  return input.events
    .filter((e) => requestAt(e, rules).getTime() <= now.getTime() && now.getTime() < e.endsAt.getTime())
    .filter((e) => !input.readingRequestedEventIds.has(e.id) && !input.lockedEventIds.has(e.id))
    .filter((e) => phaseOf(cycleDayShown(input.cycleStartDate, e.startsAt, input.timeZone)) === 'intervention_logic')
    .filter((e) => {
      const judgedAt = new Date(Math.max(now.getTime(), e.startsAt.getTime()));
      return input.reading === undefined || !isFresh(input.reading, judgedAt, rules);
    })
    .toSorted((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(toPromptEvent);
}

/**
 * The earliest instant after `now` at which the outcome or the reading requests may change without any input:
 * an event's start, its request instant or its end; the end of cooling; the instant a reading goes stale or (one
 * stamped ahead) becomes believable; the next local midnight (the day and phase); the reflection's opening and
 * Day 7's end. Some of these change nothing — evaluating then finds no change and publishes nothing — but no
 * instant that changes something is missed.
 */
export function nextPromptInstant(input: PromptInput, rules: PromptRules): Date {
  const { now, timeZone } = input;
  const candidates: number[] = [nextLocalMidnight(now, timeZone).getTime()];
  for (const e of input.events) candidates.push(e.startsAt.getTime(), requestAt(e, rules).getTime(), e.endsAt.getTime());
  if (input.coolingUntil) candidates.push(input.coolingUntil.getTime());
  for (const r of input.readings) {
    // Fresh while age ≤ the freshness limit: stale from one millisecond after it; believable from measuredAt − skew.
    candidates.push(r.measuredAt.getTime() + rules.hrvFreshnessMinutes * MINUTE_MS + 1, r.measuredAt.getTime() - rules.clockSkewToleranceSeconds * 1000);
  }
  const window = reflectionWindow(input.cycleStartDate, timeZone, rules);
  candidates.push(window.opensAt.getTime(), window.closesAt.getTime());
  return new Date(Math.min(...candidates.filter((t) => t > now.getTime())));
}
