import type { ConnectRouter, HandlerContext } from '@connectrpc/connect';
import { GatewayService } from '@omtobe/proto/gateway/v1';
import { uploadCalendarEvents } from '../operations/calendar.ts';
import type { Caller } from '../operations/caller.ts';
import type { Deps } from '../operations/deps.ts';
import { checkState, getState, recordDecision, recordReflection } from '../operations/cycle.ts';
import { deleteDevice, listDevices, registerDevice } from '../operations/devices.ts';
import { exportMyData } from '../operations/export.ts';
import { listDecisionHistory, listReflectionHistory } from '../operations/history.ts';
import { completeProviderConnection, connectProvider, disconnectProvider, listProviderConnections, uploadHrvSamples } from '../operations/providers.ts';
import { deleteMe, registerUser } from '../operations/users.ts';
import { watchState } from '../operations/watch-state.ts';
import { callerKey } from './connect-auth.ts';

function caller(ctx: HandlerContext): Caller {
  const userId = ctx.values.get(callerKey);
  // The auth interceptor runs before every GatewayService handler; reaching here without a caller is a bug.
  if (!userId) throw new Error('GatewayService handler reached without an authenticated caller');
  return { userId, signal: ctx.signal };
}

/** The public API for typed clients: the same operations the REST routes call. */
export function gatewayRoutes(deps: Deps) {
  return (router: ConnectRouter) => {
    router.service(GatewayService, {
      registerUser: (req, ctx) => registerUser(deps, caller(ctx), req),
      checkState: (_req, ctx) => checkState(deps, caller(ctx)),
      getState: (_req, ctx) => getState(deps, caller(ctx)),
      recordDecision: (req, ctx) => recordDecision(deps, caller(ctx), req),
      recordReflection: (req, ctx) => recordReflection(deps, caller(ctx), req),
      listDecisionHistory: (req, ctx) => listDecisionHistory(deps, caller(ctx), req),
      listReflectionHistory: (req, ctx) => listReflectionHistory(deps, caller(ctx), req),
      uploadHrvSamples: (req, ctx) => uploadHrvSamples(deps, caller(ctx), req),
      uploadCalendarEvents: (req, ctx) => uploadCalendarEvents(deps, caller(ctx), req),
      connectProvider: (req, ctx) => connectProvider(deps, caller(ctx), req),
      completeProviderConnection: (req, ctx) => completeProviderConnection(deps, caller(ctx), req),
      disconnectProvider: (req, ctx) => disconnectProvider(deps, caller(ctx), req),
      listProviderConnections: (req, ctx) => listProviderConnections(deps, caller(ctx), req),
      exportMyData: (_req, ctx) => exportMyData(deps, caller(ctx)),
      deleteMe: (_req, ctx) => deleteMe(deps, caller(ctx)),
      registerDevice: (req, ctx) => registerDevice(deps, caller(ctx), req),
      listDevices: (_req, ctx) => listDevices(deps, caller(ctx)),
      deleteDevice: (req, ctx) => deleteDevice(deps, caller(ctx), req),
      // Server streaming: ctx.signal aborts when the client goes away; a drain ends it with UNAVAILABLE.
      watchState: (_req, ctx) => watchState(deps, caller(ctx)),
    });
  };
}
