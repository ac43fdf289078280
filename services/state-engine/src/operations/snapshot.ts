import { NotFoundError } from '@omtobe/platform';
import { readUserSnapshot, type EventWindow, type UserSnapshot } from '../store/user-snapshot.repo.ts';
import { lockUserState, type UserState } from '../store/user-states.repo.ts';
import type { Deps } from './deps.ts';
import { reconcilePrompt } from './prompts.ts';
import { rollOverIfDue } from './rollover.ts';

/**
 * What the user's checks and views read, as of `now`, in one statement. When the user's time-driven work is due
 * (a cycle rollover, or an instant at which the prompt may change) it is done first, in its own transaction, and
 * the snapshot read again: a check or a view never answers other than the last published prompt, even in the
 * moment between an instant and the due-work loop's next pass.
 */
export async function currentSnapshot(deps: Deps, userId: string, now: Date, window: EventWindow): Promise<UserSnapshot> {
  const snapshot = await readUserSnapshot(deps.db, userId, window);
  if (!snapshot) throw unknownUser();
  if (snapshot.state.due_at.getTime() > now.getTime()) return snapshot;
  await doDueWork(deps, userId, now);
  const after = await readUserSnapshot(deps.db, userId, window);
  if (!after) throw unknownUser();
  return after;
}

async function doDueWork(deps: Deps, userId: string, now: Date): Promise<UserState> {
  return deps.db.transaction().execute(async (trx) => {
    const locked = await lockUserState(trx, userId);
    if (!locked) throw unknownUser();
    await rollOverIfDue(trx, locked, now);
    return (await reconcilePrompt(trx, userId, now, deps.rules)) ?? locked;
  });
}

export function unknownUser(): NotFoundError {
  return new NotFoundError('the user is not registered (yet) with the state engine', { reason: 'unknown_user' });
}
