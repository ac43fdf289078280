// One development clock for the whole system, through the public API with every part real (the four services
// as processes, supervised and restarted as `npm start` runs them). The report it reproduces (issue 14,
// item 13): after advancing 3 days, an injected meeting and HRV drop gave `no_high_stakes_event`, because
// integrations timed them by real time, days in the past for the state engine.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { startTestStack, checkHealth, type RunningTestStack } from '@omtobe/dev-stack';
import { serviceTokenHeader, serviceTokenSignerFrom } from '@omtobe/platform';
import { eventually } from '@omtobe/testing';
import { AppClient, type Json } from './support/app-client.ts';

const minute = 60_000;
const threeDays = 3 * 24 * 60 * minute;

/** Within a minute of real time plus `offsetMs`: what a clock `offsetMs` ahead of real time says now. */
function expectAhead(iso: unknown, offsetMs: number): void {
  expect(Math.abs(Date.parse(iso as string) - (Date.now() + offsetMs))).toBeLessThan(minute);
}

describe('one development clock', () => {
  let stack: RunningTestStack;
  let alice: AppClient;

  /**
   * Each service's own development clock, read with AdvanceDevClock at offset zero (Connect JSON), as the
   * gateway: the services answer only callers with a service token (and refuse one without).
   */
  async function serviceOffsets(): Promise<Record<string, string>> {
    const gateway = serviceTokenSignerFrom({ OMTOBE_MODE: 'development', SERVICE_NAME: 'gateway', SERVICE_PRIVATE_KEY: stack.serviceKeys('gateway').SERVICE_PRIVATE_KEY });
    const services = {
      'state-engine': 'omtobe.state_engine.v1.StateEngineService',
      integrations: 'omtobe.integrations.v1.IntegrationsService',
      'decision-log': 'omtobe.decision_log.v1.DecisionLogService',
    } as const;
    const offsets = await Promise.all(
      Object.entries(services).map(async ([name, service]) => {
        const port = stack.ports[name as keyof typeof services];
        const url = `http://127.0.0.1:${port}/${service}/AdvanceDevClock`;
        const anonymous = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        expect({ name, status: anonymous.status }).toEqual({ name, status: 401 });
        const headers = { 'content-type': 'application/json', [serviceTokenHeader]: gateway.token(name) };
        const response = await fetch(url, { method: 'POST', headers, body: '{}' });
        return [name, ((await response.json()) as { offset: string }).offset];
      }),
    );
    return Object.fromEntries(offsets);
  }

  /** SIGKILLs the services and waits until the supervisor's new processes report SERVING. */
  async function killAndWaitForRestart(names: Array<keyof RunningTestStack['ports']>): Promise<void> {
    await Promise.all(
      names.map(async (name) => {
        const killed = stack.group.child(name)!;
        const exited = once(killed, 'exit');
        killed.kill('SIGKILL');
        await exited;
      }),
    );
    // Only a new process can answer: the killed ones no longer hold their ports.
    await eventually(
      () => Promise.all(names.map((name) => checkHealth(stack.ports[name]))),
      (statuses) => statuses.every((s) => s === 'SERVING'),
      15_000,
    );
  }

  beforeAll(async () => {
    // The mock providers as a new user meets them (a week of synthetic HRV history, the stream), except the
    // mock calendar's daily meetings: with them, a brake could come from "Board Review" instead of the
    // injected meeting. A short call deadline so a frozen service fails a move quickly.
    stack = await startTestStack({ MOCK_CALENDAR_DAYS: '0', INTERNAL_CALL_TIMEOUT_MS: '1500' }, { restart: { initialDelayMs: 100 } });
    alice = new AppClient(stack.gatewayUrl);
    await alice.login('alice');
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('brakes for a meeting and an HRV drop injected after advancing 3 days (the user on Day 4)', async () => {
    expect((await alice.send('POST', '/api/v1/users', { email: 'alice@example.com', timezone: 'Europe/London' })).status).toBe(201);
    // The mock HRV history reaches the state engine: a baseline from the first minute.
    await eventually(() => alice.ok('GET', '/api/v1/state'), (s) => typeof s.hrv_baseline_mean === 'number', 15_000);

    const advanced = await alice.ok('POST', '/api/v1/dev/advance-time', { minutes: 3 * 24 * 60 });
    expect(advanced.offset_minutes).toBe(3 * 24 * 60);
    expectAhead(advanced.now, threeDays);
    expect(await alice.ok('GET', '/api/v1/dev/time')).toMatchObject({ offset_minutes: 3 * 24 * 60 });
    expect(await serviceOffsets()).toEqual({ 'state-engine': '259200s', integrations: '259200s', 'decision-log': '259200s' });

    const meeting = await alice.ok('POST', '/api/v1/dev/high-stakes-event', { title: 'Board Meeting', duration_minutes: 60 });
    expectAhead(meeting.starts_at, threeDays);
    const drop = await alice.ok('POST', '/api/v1/dev/hrv-drop', { drop_percent: 30 });
    expectAhead(drop.measured_at, threeDays);

    const brake = await alice.until('POST', '/api/v1/state/check', (c) => c.should_display === true, { timeoutMs: 10_000 });
    expect(brake).toMatchObject({ should_display: true, event_id: meeting.event_id, phase: 'Intervention Logic' });
    expect(brake.current_day).toBeGreaterThanOrEqual(3);
    expect(brake.current_day).toBeLessThanOrEqual(5);
    expectAhead(brake.timestamp, threeDays);

    // A user registering now starts on the simulated day: the gateway times registrations by the same clock.
    const bob = new AppClient(stack.gatewayUrl);
    await bob.login('bob');
    await bob.ok('POST', '/api/v1/users', { email: 'bob@example.com', timezone: 'Europe/London' });
    expect(await bob.ok('GET', '/api/v1/state')).toMatchObject({ current_day: 1 });
  }, 30_000);

  it('keeps the offset in each service’s schema: killed and restarted services carry on at the simulated time', async () => {
    await killAndWaitForRestart(['state-engine', 'integrations', 'gateway']);
    expect(stack.group.restarts('state-engine')).toBe(1);

    expect(await serviceOffsets()).toEqual({ 'state-engine': '259200s', integrations: '259200s', 'decision-log': '259200s' });
    expect(await alice.ok('GET', '/api/v1/dev/time')).toMatchObject({ offset_minutes: 3 * 24 * 60 });
    expectAhead((await alice.ok('GET', '/api/v1/state')).timestamp, threeDays);
    const meeting = await alice.ok('POST', '/api/v1/dev/high-stakes-event', { title: 'Review', duration_minutes: 30 });
    expectAhead(meeting.starts_at, threeDays);
  }, 30_000);

  it('answers 503 naming a service that could not move, and the same move retried moves everybody once', async () => {
    const decisionLog = stack.group.child('decision-log')!;
    decisionLog.kill('SIGSTOP'); // frozen: it neither answers nor exits (so the supervisor leaves it alone)
    let refused: { status: number; body: Json };
    try {
      refused = await alice.send('POST', '/api/v1/dev/advance-time', { minutes: 10 });
    } finally {
      decisionLog.kill('SIGCONT');
    }
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: { code: 'dependency_unavailable', message: expect.any(String), details: [{ service: 'decision-log' }] } });
    // The services that answered moved; the system's clock (the gateway's) did not.
    expect(await alice.ok('GET', '/api/v1/dev/time')).toMatchObject({ offset_minutes: 3 * 24 * 60 });

    const retried = await alice.ok('POST', '/api/v1/dev/advance-time', { minutes: 10 });
    expect(retried.offset_minutes).toBe(3 * 24 * 60 + 10);
    expect(await serviceOffsets()).toEqual({ 'state-engine': '259800s', integrations: '259800s', 'decision-log': '259800s' });
  }, 30_000);
});
