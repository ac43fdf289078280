// The integrations harness seen from Microsoft 365: its FakeGraph (identity platform + Graph) behind the real msal-node
// and Graph clients, configured through MICROSOFT_* like a deployment. Everything goes the service's own way: the OAuth
// flow through StartConnection / CompleteConnection / RedeemConnection, syncs through the worker's due-sync pass
// (work/sync.ts: claim, sync, finish), Graph's deliveries through HandleGraphNotification.
import { sql } from 'kysely';
import { microsoftOf, type MicrosoftDeps } from '../src/providers/microsoft/microsoft-deps.ts';
import type { FakeGraph } from '@omtobe/testing/fakes';
import { connectMicrosoft } from './flows.ts';
import { harnessPerFile, logger, startHarness, type Harness } from './harness.ts';

export interface MicrosoftHarness {
  h: Harness;
  graph: FakeGraph;
  deps: MicrosoftDeps;
  /** Every inline wait the Graph client took (Retry-After, backoff), in ms. */
  sleeps: number[];
  /** StartConnection → the user consents at the fake → the callback (CompleteConnection) → the app redeems (first sync due now). */
  connect(userId: string): Promise<URL>;
  /** The worker's due-sync pass (work/sync.ts). Returns how many ran. */
  runSyncs(): Promise<number>;
  /** A clean slate: clock at `at`, fake emptied, no connection, subscription, event or revocation. */
  fresh(at: Date): Promise<void>;
  close(): Promise<void>;
}

export async function startMicrosoftHarness(options: { start: Date }): Promise<MicrosoftHarness> {
  const h = await startHarness({ start: options.start, env: { MOCK_PROVIDERS: 'false' } });
  const deps = microsoftOf(h.deps);
  return {
    h,
    graph: h.graph,
    deps,
    sleeps: h.graphSleeps,
    connect: (userId) => connectMicrosoft(h, userId),
    runSyncs: () => h.runSyncs(),
    async fresh(at) {
      h.clock.set(at);
      h.graph.reset();
      h.graphSleeps.length = 0;
      h.routeGraphDeliveries();
      deps.logger = logger;
      await sql`truncate connections, graph_subscriptions, calendar_events, revocations, oauth_states, oauth_grants`.execute(deps.db);
    },
    close: () => h.close(),
  };
}

/** One Microsoft harness for the tests of a file, `fresh(at)` before each test. */
export function microsoftPerFile(at: Date, use: (m: MicrosoftHarness) => unknown): void {
  harnessPerFile(() => startMicrosoftHarness({ start: at }), use, (m) => m.fresh(at));
}
