// What the logs never hold (issue 15, item 9): a person's traffic through the public API — registration with an
// e-mail, HealthKit samples, a device, a titled high-stakes meeting, the brake, a decision, the export, the erasure —
// with every service logging at debug, and then every line of every service scanned for the e-mail, the bearer token,
// the device token, the meeting's title and the uploaded HRV values.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { startTestStack, type RunningTestStack } from '@omtobe/dev-stack';
import { eventually } from '@omtobe/testing';
import { AppClient, type Json } from './support/app-client.ts';

const minute = 60_000;
const hour = 60 * minute;

describe('the logs of every service', () => {
  let stack: RunningTestStack | undefined;
  const lines: Array<{ service: string; line: string }> = [];
  let app: AppClient;
  const userId = `privacy-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    stack = await startTestStack(
      { LOG_LEVEL: 'debug', MOCK_HRV_BACKFILL_DAYS: '0', MOCK_HRV_INTERVAL_MINUTES: '100000', MOCK_CALENDAR_DAYS: '0' },
      { onLogLine: (service, line) => lines.push({ service, line }) },
    );
    app = new AppClient(stack.gatewayUrl);
    await app.login(userId);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('hold no e-mail, bearer or device token, meeting title or HRV value, whatever the person did', async () => {
    // Values that cannot occur by chance: 4-decimal HRV values (timestamps have 3), a title word of its own.
    const email = `zelda.${randomUUID().slice(0, 6)}@privacy.example`;
    const title = `Board Meeting Quetzal${randomUUID().slice(0, 6)}`;
    const deviceToken = randomBytes(32).toString('hex');
    const values = [48.3179, 51.2743, 49.8861, 50.4417, 47.9023, 52.0619, 29.4137];
    expect((await app.send('POST', '/api/v1/users', { email, timezone: 'Europe/London' })).status).toBe(201);
    await app.ok('POST', '/api/v1/devices', { platform: 'ios', token: deviceToken, environment: 'sandbox' });
    // The mock HRV stream gives a new user one reading at its next tick (then none: the interval is 100000 minutes);
    // it is waited for, so the drop below is the latest reading however slowly this test runs.
    const first = await eventually(() => app.ok('GET', '/api/v1/state'), (s) => typeof s.hrv_measured_at === 'string', 30_000);
    const now = Math.max(Date.now(), Date.parse(String(first.hrv_measured_at)) + 1);
    const samples = values.map((value, i) => {
      // Two days of baseline, then the last one (the drop) now, after the mock's reading.
      const end = i < values.length - 1 ? new Date(now - 2 * 24 * hour + i * 5 * hour) : new Date(now);
      return { uuid: randomUUID(), start: new Date(end.getTime() - minute).toISOString(), end: end.toISOString(), value, unit: 'ms', source_device: 'Apple Watch' };
    });
    expect(((await app.ok('POST', '/api/v1/hrv/samples', { samples })).results as Json[]).every((r) => r.outcome === 'accepted')).toBe(true);
    await app.ok('POST', '/api/v1/dev/cycle-day', { day: 4 });
    await app.ok('POST', '/api/v1/dev/high-stakes-event', { title, duration_minutes: 60 });
    // Waited for on GET /state (its prompt), not by polling the rate-limited check.
    await eventually(() => app.ok('GET', '/api/v1/state'), (s) => (s.prompt as Json | null)?.kind === 'brake');
    const brake = await app.ok('POST', '/api/v1/state/check');
    expect(brake.should_display).toBe(true);
    expect(brake.hrv_current).toBe(29.4137);
    await app.ok('POST', '/api/v1/decisions', { decision_type: 'Delay' }, { 'idempotency-key': randomUUID() });
    await eventually(() => app.ok('GET', '/api/v1/decisions/history'), (h) => (h.decisions as Json[]).length === 1);
    const exported = await app.ok('GET', '/api/v1/me/export');
    expect(JSON.stringify(exported)).toContain(title); // the person's own data is theirs to see, not the logs'
    expect((await app.send('DELETE', '/api/v1/me')).status).toBe(202);
    // Every service has applied the erasure (the export answers 404), then every process is stopped: all lines are in.
    await eventually(() => app.send('GET', '/api/v1/me/export'), (r) => r.status === 404);
    await stack!.stop();
    stack = undefined;

    expect(lines.length).toBeGreaterThan(50); // debug logging of four services: the scan looked at something
    expect(new Set(lines.map((l) => l.service))).toEqual(new Set(['gateway', 'state-engine', 'decision-log', 'integrations']));
    // The logs did speak of this person (by id, which is allowed): the scan covers their traffic, not silence.
    expect(new Set(lines.filter(({ line }) => line.includes(userId)).map((l) => l.service)).size).toBeGreaterThanOrEqual(1);
    const secrets: Record<string, string> = {
      email,
      'e-mail local part': email.split('@')[0]!,
      'bearer token': app.accessToken,
      "bearer token's signature": app.accessToken.split('.')[2]!,
      'device token': deviceToken,
      "device token's last 12 digits": deviceToken.slice(-12),
      'meeting title': title,
      "title's own word": title.split(' ').at(-1)!,
      ...Object.fromEntries(values.map((v, i) => [`HRV value ${i + 1}`, String(v)])),
    };
    const found = Object.entries(secrets).flatMap(([what, secret]) =>
      lines.filter(({ line }) => line.includes(secret)).map(({ service, line }) => `${what} in ${service}: ${line.slice(0, 200)}`),
    );
    expect(found).toEqual([]);
  }, 180_000);
});
