import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDevBroker } from '@omtobe/dev-broker';
import { TEST_KAFKA_BROKERS_ENV } from '../kafka/test-brokers.ts';
import { startEmbeddedPostgres } from '../postgres/embedded.ts';
import { TEST_PG_URL_ENV } from '../postgres/test-database.ts';

type Stop = () => Promise<void>;

// On globalThis, not in module scope: jest calls globalSetup once per project of the root config, and
// the module may be evaluated more than once in the same process.
const STACK = Symbol.for('omtobe.testing.stack');
const registry = globalThis as { [STACK]?: Promise<Stop[]> };

/**
 * Starts the servers shared by every test file of the run, once per process, and publishes their
 * addresses through process.env, which the test workers (forked afterwards) inherit.
 */
export async function startSharedServers(): Promise<void> {
  registry[STACK] ??= (async () => {
    const stops: Stop[] = [];
    try {
      // Sequential on purpose: a failure leaves `stops` exact, so nothing started is leaked.
      stops.push(...(await startTestPostgres()));
      stops.push(...(await startTestKafka()));
    } catch (error) {
      await stopAll(stops);
      throw error;
    }
    return stops;
  })();
  await registry[STACK];
}

export async function stopSharedServers(): Promise<void> {
  const started = registry[STACK];
  if (!started) return;
  delete registry[STACK];
  await stopAll(await started.catch(() => []));
}

/** A throwaway cluster under the OS temp dir, deleted on stop. An already set URL (external server) is used as is. */
async function startTestPostgres(): Promise<Stop[]> {
  if (process.env[TEST_PG_URL_ENV]) return [];
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'omtobe-test-pg-'));
  const server = await startEmbeddedPostgres({ dataDir, persistent: false });
  process.env[TEST_PG_URL_ENV] = server.adminUrl;
  return [server.stop];
}

/**
 * The run's Kafka broker (librdkafka mock cluster), published as OMTOBE_TEST_KAFKA_BROKERS; an already set
 * value (external broker) is used as is. No topics up front: parallel test files share the broker, so each
 * uses its own topic names, which the mock cluster creates on first use.
 */
async function startTestKafka(): Promise<Stop[]> {
  if (process.env[TEST_KAFKA_BROKERS_ENV]) return [];
  const broker = await startDevBroker({ topics: [] });
  process.env[TEST_KAFKA_BROKERS_ENV] = broker.bootstrap;
  return [broker.stop];
}

async function stopAll(stops: Stop[]): Promise<void> {
  // Reverse start order; one failing stop must not leave the others running.
  const failures: unknown[] = [];
  for (const stop of stops.toReversed()) await stop().catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw new AggregateError(failures, 'stopping the shared test servers failed');
}
