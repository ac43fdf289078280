import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { PermanentEventError, type EventContext } from '@omtobe/events';
import { PromptTransitionKind, PromptTransitionSchema } from '@omtobe/proto/state-engine/v1';
import type { Deps } from '../operations/deps.ts';
import type { Database } from '../store/database.ts';
import { promptsConsumer } from './prompts.ts';

// A transition that can never apply is refused before anything is read or written: no database is needed to see
// it dead-lettered (instead of acknowledged and forgotten, or retried five times).
const handle = promptsConsumer({} as Pick<Deps, 'clock' | 'settings'>).handlers.find((h) => h.schema === PromptTransitionSchema)!.handle;
const ctx = {} as EventContext<Database>;
const transition = (fields: Partial<{ userId: string; transitionId: string; kind: PromptTransitionKind }>) =>
  create(PromptTransitionSchema, { userId: 'auth0|abc', transitionId: 't-1', kind: PromptTransitionKind.BRAKE_RAISED, ...fields });

describe('prompts.v1 transitions that can never apply', () => {
  it.each([
    ['an unset kind', { kind: PromptTransitionKind.UNSPECIFIED }, /kind 0/],
    ['a kind from a newer contract', { kind: 99 as PromptTransitionKind }, /kind 99/],
    ['an empty user id', { userId: '' }, /user_id is empty/],
    ['a user id that is no user id', { userId: 'alice smith' }, /user_id/],
    ['no transition id', { transitionId: '' }, /transition_id/],
  ])('dead-letters %s with the reason', async (_what, fields, reason) => {
    const refused = handle(transition(fields), ctx);
    await expect(refused).rejects.toBeInstanceOf(PermanentEventError);
    await expect(refused).rejects.toThrow(reason);
  });
});
