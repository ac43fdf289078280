// The whole week through the public API only, with every part real: embedded PostgreSQL, the broker, the
// four services as separate processes, HTTP from outside. Development mode's controls move the clock.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { startTestStack, type RunningTestStack } from '@omtobe/dev-stack';
import { eventually } from '@omtobe/testing';
import { AppClient, type Json } from './support/app-client.ts';
import { afternoonZone } from './support/zones.ts';

const minute = 60_000;
const hour = 60 * minute;


/**
 * Registers the client's user in `tz` with two days of HealthKit SDNN samples around 50 ms (every 3 hours, up to
 * the system's now: the development clock may have moved), puts them on Day 4 with a high-stakes meeting starting
 * now and a 30% HRV drop, and waits for the brake. Each test makes its own user this way: none needs another's.
 */
async function brakingUser(client: AppClient, email: string, tz: string): Promise<{ board: Json; brake: Json }> {
  expect((await client.send('POST', '/api/v1/users', { email, timezone: tz })).status).toBe(201);
  const now = Date.parse((await client.ok('GET', '/api/v1/state')).timestamp as string);
  const samples = Array.from({ length: 16 }, (_, i) => {
    const end = new Date(now - 2 * 24 * hour + i * 3 * hour);
    return { uuid: randomUUID(), start: new Date(end.getTime() - minute).toISOString(), end: end.toISOString(), value: 48 + (i % 5), unit: 'ms', source_device: 'Apple Watch' };
  });
  const upload = await client.ok('POST', '/api/v1/hrv/samples', { samples });
  expect((upload.results as Json[]).every((r) => r.outcome === 'accepted')).toBe(true);

  expect((await client.ok('POST', '/api/v1/dev/cycle-day', { day: 4 })).current_day).toBe(4);
  const board = await client.ok('POST', '/api/v1/dev/high-stakes-event', { title: 'Board Meeting', duration_minutes: 90 });
  await client.ok('POST', '/api/v1/dev/hrv-drop', { drop_percent: 30 });
  const brake = await client.until('POST', '/api/v1/state/check', (c) => c.should_display === true);
  return { board, brake };
}

describe('a whole week, end to end', () => {
  let stack: RunningTestStack;
  let alice: AppClient;
  const tz = afternoonZone(new Date());

  beforeAll(async () => {
    // Development mode with the mock providers quiet (no synthetic history, stream or calendar): the week is
    // made only of what the test uploads and injects.
    stack = await startTestStack({ MOCK_HRV_BACKFILL_DAYS: '0', MOCK_HRV_INTERVAL_MINUTES: '100000', MOCK_CALENDAR_DAYS: '0' });
    alice = new AppClient(stack.gatewayUrl);
    await alice.login('alice');
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it(`plays a cycle in ${tz}: brake, Delay, brake again, Proceed, a second event, the reflection, the next cycle`, async () => {
    expect(tz).not.toBe('UTC');
    // Day 4; a high-stakes meeting starts now and HRV drops 30%.
    const { board, brake } = await brakingUser(alice, 'alice@example.com', tz);
    expect(brake).toMatchObject({ should_display: true, event_id: board.event_id, current_day: 4, phase: 'Intervention Logic' });
    expect(brake.hrv_current as number).toBeLessThanOrEqual(0.8 * (brake.hrv_baseline_mean as number));

    // Delay: no brake for 20 minutes, then it shows again.
    const delay = await alice.ok('POST', '/api/v1/decisions', { decision_type: 'Delay' }, { 'idempotency-key': randomUUID() });
    expect(delay).toMatchObject({ status: 'decision_recorded', decision_type: 'Delay', next_action: 'cooling_period_activated', day: 4 });
    expect(Date.parse(delay.re_trigger_time as string) - Date.parse(delay.timestamp as string)).toBe(20 * minute);
    expect(await alice.ok('POST', '/api/v1/state/check')).toMatchObject({ should_display: false, reason: 'cooling' });
    await alice.ok('POST', '/api/v1/dev/advance-time', { minutes: 19 });
    expect(await alice.ok('POST', '/api/v1/state/check')).toMatchObject({ should_display: false, reason: 'cooling' });
    await alice.ok('POST', '/api/v1/dev/advance-time', { minutes: 1 });
    expect(await alice.ok('POST', '/api/v1/state/check')).toMatchObject({ should_display: true, event_id: board.event_id });

    // Proceed: silent for that event, yet a second high-stakes event can brake.
    expect(await alice.ok('POST', '/api/v1/decisions', { decision_type: 'Proceed' })).toMatchObject({ next_action: 'decision_locked' });
    expect(await alice.ok('POST', '/api/v1/state/check')).toMatchObject({ should_display: false, reason: 'locked_for_event' });
    const second = await alice.ok('POST', '/api/v1/dev/high-stakes-event', { title: '!Sign the term sheet', duration_minutes: 60 });
    const secondBrake = await alice.until('POST', '/api/v1/state/check', (c) => c.should_display === true);
    expect(secondBrake.event_id).toBe(second.event_id);

    // Day 7 at 09:00 local the reflection is offered, not a minute before.
    await alice.ok('POST', '/api/v1/dev/cycle-day', { day: 6 });
    const day6 = await alice.ok('GET', '/api/v1/state');
    const untilOpen = Date.parse(day6.reflection_opens_at as string) - Date.parse(day6.timestamp as string);
    await alice.ok('POST', '/api/v1/dev/advance-time', { minutes: Math.floor(untilOpen / minute) - 1 });
    expect(await alice.ok('GET', '/api/v1/state')).toMatchObject({ current_day: 7, phase: 'Reflection', should_display_reflection: false });
    await alice.ok('POST', '/api/v1/dev/advance-time', { minutes: 2 });
    expect(await alice.ok('GET', '/api/v1/state')).toMatchObject({ current_day: 7, should_display_reflection: true });

    // Answer: recorded, and the next cycle starts at the next local midnight.
    const reflection = await alice.ok('POST', '/api/v1/reflections', { response: 'Yes' });
    expect(reflection).toMatchObject({ status: 'reflection_recorded', response: 'Yes', cycle_reset: { status: 'cycle_reset', current_day: 1 } });
    const nextStart = new Date((reflection.cycle_reset as Json).new_cycle_start as string);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(nextStart)).toBe('00:00');
    expect(await alice.ok('GET', '/api/v1/state')).toMatchObject({ current_day: 7, reflection_answered: true, should_display_reflection: false });
    const engineNow = Date.parse((await alice.ok('GET', '/api/v1/state')).timestamp as string);
    await alice.ok('POST', '/api/v1/dev/advance-time', { minutes: Math.ceil((nextStart.getTime() - engineNow) / minute) + 1 });
    const nextCycle = await alice.ok('GET', '/api/v1/state');
    expect(nextCycle).toMatchObject({ current_day: 1, phase: 'Total Silence', reflection_answered: false });
    expect(nextCycle.cycle_start).toBe(nextStart.toISOString());

    // The histories hold exactly what was recorded, with only the allowed fields.
    const decisions = await eventually(() => alice.ok('GET', '/api/v1/decisions/history'), (h) => (h.decisions as Json[]).length >= 2);
    expect((decisions.decisions as Json[]).map((d) => d.decision_type)).toEqual(['Proceed', 'Delay']);
    for (const d of decisions.decisions as Json[]) expect(Object.keys(d).sort()).toEqual(['day', 'decision_id', 'decision_type', 'timestamp']);
    expect((decisions.decisions as Json[]).every((d) => d.day === 4)).toBe(true);
    const reflections = await eventually(() => alice.ok('GET', '/api/v1/reflections/history'), (h) => (h.reflections as Json[]).length >= 1);
    expect((reflections.reflections as Json[]).map((r) => r.response)).toEqual(['Yes']);
    for (const r of reflections.reflections as Json[]) expect(Object.keys(r).sort()).toEqual(['cycle_start', 'reflection_id', 'response', 'timestamp']);
  });

  it('never lets a second user read or change the first user’s data, on any route', async () => {
    // The first user of this test is its own (not the week's alice): one Delay recorded in a braking meeting.
    const carol = new AppClient(stack.gatewayUrl);
    await carol.login('carol');
    await brakingUser(carol, 'carol@example.com', tz);
    await carol.ok('POST', '/api/v1/decisions', { decision_type: 'Delay' }, { 'idempotency-key': randomUUID() });
    await eventually(() => carol.ok('GET', '/api/v1/decisions/history'), (h) => (h.decisions as Json[]).length === 1);
    const bob = new AppClient(stack.gatewayUrl);
    await bob.login('bob');
    const carolBefore = await carol.ok('GET', '/api/v1/state');
    const carolExport = JSON.stringify(await carol.ok('GET', '/api/v1/me/export'));
    expect(carolExport).toContain('carol@example.com');

    // Unregistered bob sees nothing of carol's.
    expect((await bob.send('GET', '/api/v1/state')).status).toBe(404);
    expect((await bob.send('POST', '/api/v1/state/check')).status).toBe(404);
    expect((await bob.send('GET', '/api/v1/me/export')).status).toBe(404);
    // A user id is never a parameter: naming carol is refused, not honoured.
    expect((await bob.send('GET', '/api/v1/decisions/history?user_id=carol')).status).toBe(400);
    expect((await bob.send('POST', '/api/v1/users', { email: 'x@example.com', timezone: 'UTC', user_id: 'carol' })).status).toBe(400);

    await bob.ok('POST', '/api/v1/users', { email: 'bob@example.com', timezone: 'Europe/Berlin' });
    const bobState = await bob.ok('GET', '/api/v1/state');
    expect(bobState.timezone).toBe('Europe/Berlin');
    expect(await bob.ok('GET', '/api/v1/decisions/history')).toEqual({ decisions: [], next_page_token: null });
    expect(await bob.ok('GET', '/api/v1/reflections/history')).toEqual({ reflections: [], next_page_token: null });
    const bobExport = JSON.stringify(await bob.ok('GET', '/api/v1/me/export'));
    expect(bobExport).not.toContain('carol');
    // Bob's writes land on bob: no pending brake of his own, so his decision is refused; his reflection too.
    expect((await bob.send('POST', '/api/v1/decisions', { decision_type: 'Delay' })).status).toBe(409);
    expect((await bob.send('POST', '/api/v1/reflections', { response: 'No' })).status).toBe(409);
    expect((await bob.send('POST', '/api/v1/dev/cycle-day', { day: 5 })).status).toBe(200);
    expect((await bob.send('DELETE', '/api/v1/providers/whoop')).status).toBeLessThan(500);
    expect((await bob.send('DELETE', '/api/v1/me')).status).toBe(202);

    // Carol is exactly as she was.
    const carolAfter = await carol.ok('GET', '/api/v1/state');
    expect({ ...carolAfter, timestamp: null }).toEqual({ ...carolBefore, timestamp: null });
    expect(JSON.stringify(await carol.ok('GET', '/api/v1/me/export'))).toContain('carol@example.com');
    expect(((await carol.ok('GET', '/api/v1/decisions/history')).decisions as Json[]).length).toBe(1);
  });
});
