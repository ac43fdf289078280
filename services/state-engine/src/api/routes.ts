import { requireUserId } from '@omtobe/rules';
import { create } from '@bufbuild/protobuf';
import { durationFromMs, durationMs, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { ConnectRouter } from '@connectrpc/connect';
import { advanceDevClock, type DevClock } from '@omtobe/db';
import { FailedPreconditionError, InvalidArgumentError } from '@omtobe/platform';
import {
  AdvanceClockResponseSchema,
  AdvanceDevClockResponseSchema,
  CheckBrakeResponseSchema,
  Decision,
  GetStateResponseSchema,
  ReflectionResponse,
  SetCycleDayResponseSchema,
  StateEngineService,
} from '@omtobe/proto/state-engine/v1';
import { checkBrake } from '../operations/check-brake.ts';
import { advanceClock, setCycleDay } from '../operations/dev-controls.ts';
import type { Deps } from '../operations/deps.ts';
import { getState } from '../operations/get-state.ts';
import { promptMessage } from '../operations/prompts.ts';
import { submitDecision } from '../operations/submit-decision.ts';
import { submitReflection } from '../operations/submit-reflection.ts';
import { eventToProto, phaseToProto, readingToProto, reasonToProto } from './mappers.ts';

function idempotencyKey(key: string): string {
  if (key.length > 200) throw new InvalidArgumentError('idempotency_key must be at most 200 characters', { reason: 'invalid_idempotency_key' });
  return key;
}

function devOnly(deps: Deps): DevClock {
  if (!deps.devClock) throw new FailedPreconditionError('development controls are off (OMTOBE_MODE is not development)', { reason: 'development_only' });
  return deps.devClock;
}

/** The state engine's RPCs: validate, run the use case, map to the contract. */
export function stateEngineRoutes(deps: Deps) {
  return (router: ConnectRouter) => {
    router.service(StateEngineService, {
      async checkBrake(req) {
        const check = await checkBrake(deps, requireUserId(req.userId));
        return create(CheckBrakeResponseSchema, {
          shouldDisplay: check.decision.show,
          reason: check.decision.show ? 0 : reasonToProto[check.decision.reason],
          ...(check.decision.show ? { event: eventToProto(check.decision.event) } : {}),
          currentDay: check.day,
          phase: phaseToProto[check.phase],
          ...(check.reading ? readingToProto(check.reading) : {}),
          ...(check.coolingUntil ? { coolingUntil: timestampFromDate(check.coolingUntil) } : {}),
          decisionLocked: check.decisionLocked,
          evaluatedAt: timestampFromDate(check.evaluatedAt),
        });
      },
      async getState(req) {
        const s = await getState(deps, requireUserId(req.userId));
        return create(GetStateResponseSchema, {
          userId: s.userId,
          currentDay: s.day,
          phase: phaseToProto[s.phase],
          timezone: s.timezone,
          cycleStart: timestampFromDate(s.cycleStart),
          nextCycleStart: timestampFromDate(s.nextCycleStart),
          coolingActive: s.coolingUntil !== undefined,
          ...(s.coolingUntil ? { coolingUntil: timestampFromDate(s.coolingUntil) } : {}),
          lockedEventIds: s.lockedEventIds,
          ...(s.pendingEvent ? { pendingBrakeEvent: eventToProto(s.pendingEvent) } : {}),
          shouldDisplayReflection: s.shouldDisplayReflection,
          reflectionOpensAt: timestampFromDate(s.reflectionOpensAt),
          reflectionAnswered: s.reflectionAnswered,
          ...(s.reading ? readingToProto(s.reading) : {}),
          upcomingEvents: s.upcomingEvents.map(eventToProto),
          prompt: promptMessage(s.prompt, s.promptSequence),
          evaluatedAt: timestampFromDate(s.evaluatedAt),
        });
      },
      async submitDecision(req) {
        const decision = req.decision === Decision.PROCEED ? 'proceed' : req.decision === Decision.DELAY ? 'delay' : undefined;
        if (!decision) throw new InvalidArgumentError('decision must be PROCEED or DELAY', { reason: 'invalid_decision' });
        return submitDecision(deps, requireUserId(req.userId), decision, idempotencyKey(req.idempotencyKey));
      },
      async submitReflection(req) {
        const responses = { [ReflectionResponse.YES]: 'yes', [ReflectionResponse.NO]: 'no', [ReflectionResponse.SKIP]: 'skip' } as const;
        const response = responses[req.response as keyof typeof responses];
        if (!response) throw new InvalidArgumentError('response must be YES, NO or SKIP', { reason: 'invalid_response' });
        return submitReflection(deps, requireUserId(req.userId), response, idempotencyKey(req.idempotencyKey));
      },
      async setCycleDay(req) {
        devOnly(deps);
        if (!Number.isInteger(req.day) || req.day < 1 || req.day > 7) {
          throw new InvalidArgumentError('day must be 1-7', { reason: 'invalid_day' });
        }
        await setCycleDay(deps, requireUserId(req.userId), req.day);
        const state = await getState(deps, req.userId);
        return create(SetCycleDayResponseSchema, { currentDay: state.day, cycleStart: timestampFromDate(state.cycleStart) });
      },
      async advanceClock(req) {
        const clock = devOnly(deps);
        const ms = req.by ? durationMs(req.by) : 0;
        if (!(ms > 0) || ms > 60 * 24 * 3_600_000) {
          throw new InvalidArgumentError('by must be a positive duration of at most 60 days', { reason: 'invalid_duration' });
        }
        return create(AdvanceClockResponseSchema, { now: timestampFromDate(await advanceClock(clock, ms)) });
      },
      async advanceDevClock(req) {
        const moved = await advanceDevClock(deps.devClock, req.offset ? durationMs(req.offset) : 0);
        return create(AdvanceDevClockResponseSchema, { offset: durationFromMs(moved.offsetMs), now: timestampFromDate(moved.now) });
      },
    });
  };
}

