import { describe, expect, it } from '@jest/globals';
import { Code, ConnectError, createClient, createRouterTransport, type Interceptor } from '@connectrpc/connect';
import { createErrorInterceptor, errorReasonHeader } from '@omtobe/platform';
import { DecisionLogService } from '@omtobe/proto/decision-log/v1';
import { GatewayService } from '@omtobe/proto/gateway/v1';
import { Decision, StateEngineService } from '@omtobe/proto/state-engine/v1';
import { inMemoryDeps, silentLogger, verifyTestBearer } from '../../test/in-memory-deps.ts';
import { createAuthInterceptor } from './connect-auth.ts';
import { gatewayRoutes } from './connect.ts';

// GatewayService's handlers in memory (connect-es examples' fastify/test/connect.test.ts): the router with the
// interceptors the platform server runs (domain errors → codes, then authentication), and the peers as in-memory
// routers of their own services, so every call crosses a real Connect client and serializer on both sides.
// The same port over a real socket, with the rate limits, is test/connect-limits.spec.ts.
function gateway() {
  const asked: Array<{ rpc: string; userId: string }> = [];
  const stateEngine = createClient(
    StateEngineService,
    createRouterTransport(({ service }) =>
      service(StateEngineService, {
        checkBrake: (req) => (asked.push({ rpc: 'checkBrake', userId: req.userId }), { currentDay: 3, shouldDisplay: true }),
        submitDecision: (req) => {
          asked.push({ rpc: 'submitDecision', userId: req.userId });
          if (req.idempotencyKey === 'down') throw new ConnectError('restarting', Code.Unavailable);
          return { decisionId: `d-${req.idempotencyKey}`, decision: req.decision, day: 3 };
        },
      }),
    ),
  );
  const decisionLog = createClient(
    DecisionLogService,
    createRouterTransport(({ service }) =>
      service(DecisionLogService, {
        listDecisions: (req) => (asked.push({ rpc: 'listDecisions', userId: req.userId }), { decisions: [{ decisionId: 'd-1', decision: Decision.DELAY, cycleDay: 2 }], nextPageToken: 'next' }),
      }),
    ),
  );
  const deps = inMemoryDeps({ stateEngine, decisionLog });
  const router = { interceptors: [createErrorInterceptor(silentLogger), createAuthInterceptor(verifyTestBearer)] };
  const bearer = (user: string): Interceptor => (next) => (req) => (req.header.set('authorization', `Bearer ${user}`), next(req));
  return {
    asked,
    anonymous: createClient(GatewayService, createRouterTransport(gatewayRoutes(deps), { router })),
    client: (user: string) => createClient(GatewayService, createRouterTransport(gatewayRoutes(deps), { router, transport: { interceptors: [bearer(user)] } })),
  };
}

describe('GatewayService handlers', () => {
  it('refuses every RPC without a valid bearer token as Unauthenticated, asking no peer', async () => {
    const { anonymous, asked } = gateway();
    await expect(anonymous.checkState({})).rejects.toMatchObject({ code: Code.Unauthenticated });
    await expect(anonymous.listDecisionHistory({})).rejects.toMatchObject({ code: Code.Unauthenticated });
    await expect(anonymous.registerUser({ email: 'ann@example.com', timezone: 'Europe/London' }, { headers: { authorization: 'Basic x' } })).rejects.toMatchObject({
      code: Code.Unauthenticated,
    });
    expect(asked).toEqual([]);
  });

  it('refuses bad input as InvalidArgument with the domain’s reason', async () => {
    const ann = gateway().client('ann');
    const refusal = (call: Promise<unknown>) => call.then(() => undefined, (e: unknown) => ConnectError.from(e));
    const email = await refusal(ann.registerUser({ email: 'not-an-address', timezone: 'Europe/London' }));
    expect([email?.code, email?.metadata.get(errorReasonHeader)]).toEqual([Code.InvalidArgument, 'invalid_email']);
    const zone = await refusal(ann.registerUser({ email: 'ann@example.com', timezone: '+05' }));
    expect([zone?.code, zone?.metadata.get(errorReasonHeader)]).toEqual([Code.InvalidArgument, 'invalid_timezone']);
  });

  it('answers from the peers for the token’s subject', async () => {
    const { client, asked } = gateway();
    const ann = client('ann');
    expect((await ann.checkState({})).brake).toMatchObject({ currentDay: 3, shouldDisplay: true });
    expect((await ann.recordDecision({ decision: Decision.PROCEED, idempotencyKey: 'k1' })).result).toMatchObject({ decisionId: 'd-k1', decision: Decision.PROCEED });
    const page = (await ann.listDecisionHistory({ pageSize: 10 })).page;
    expect(page?.decisions.map((d) => [d.decisionId, d.decision, d.cycleDay])).toEqual([['d-1', Decision.DELAY, 2]]);
    expect(page?.nextPageToken).toBe('next');
    expect(asked).toEqual([
      { rpc: 'checkBrake', userId: 'ann' },
      { rpc: 'submitDecision', userId: 'ann' },
      { rpc: 'listDecisions', userId: 'ann' },
    ]);
  });

  it('answers Unavailable when a peer is down, naming it', async () => {
    const down = await gateway()
      .client('ann')
      .recordDecision({ decision: Decision.DELAY, idempotencyKey: 'down' })
      .then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(down?.code).toBe(Code.Unavailable);
    expect(down?.metadata.get(errorReasonHeader)).toBe('dependency_unavailable:state-engine');
  });
});
