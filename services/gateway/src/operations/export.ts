import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { ExportMyDataResponseSchema, UserSchema, type ExportMyDataResponse } from '@omtobe/proto/gateway/v1';
import { callPeer } from '../peers/call.ts';
import { findUser } from '../store/users.repo.ts';
import type { Caller } from './caller.ts';
import type { Deps } from './deps.ts';
import { userNotRegistered } from './registered-user.ts';

/** GET /me/export: everything every service holds about the caller, in one document (never tokens). */
export async function exportMyData(deps: Deps, caller: Caller): Promise<ExportMyDataResponse> {
  const user = await findUser(deps.db, caller.userId);
  if (!user) throw userNotRegistered();
  const { userId } = caller;
  const [state, log, integrations] = await Promise.all([
    // A user the state engine does not know yet simply has no state to export.
    callPeer('state-engine', (options) => deps.peers.stateEngine.getState({ userId }, options), caller.signal).catch((error: unknown) => {
      if (ConnectError.from(error).code === Code.NotFound) return undefined;
      throw error;
    }),
    callPeer('decision-log', (options) => deps.peers.decisionLog.exportUserData({ userId }, options), caller.signal),
    callPeer('integrations', (options) => deps.peers.integrations.exportUserData({ userId }, options), caller.signal),
  ]);
  return create(ExportMyDataResponseSchema, {
    user: create(UserSchema, { userId, email: user.email, timezone: user.timezone }),
    ...(state ? { state } : {}),
    log,
    integrations,
  });
}
