// POST /api/v1/calendar/events as the gateway serves it (rest/routes/calendar.ts): the body's limits, times parsed
// one by one (a bad time is that event's answer), the caller from the token, the answers mapped back, 413 and 422
// for bad batches. Integrations is played by a stand-in that records what it is asked (its own behaviour is tested
// in services/integrations); real PostgreSQL for the gateway's profile table. The route is mounted on a bare
// fastify with the gateway's error mapping, until routes/index.ts registers it with the others.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { createDatabase, migrateToLatest } from '@omtobe/db';
import { errorReasonHeader, HealthRegistry, systemClock } from '@omtobe/platform';
import { RegisterUserRequestSchema } from '@omtobe/proto/gateway/v1';
import {
  CalendarEventOutcome,
  CalendarEventResultSchema,
  DeviceEventStatus,
  type UploadCalendarEventsRequest,
} from '@omtobe/proto/integrations/v1';
import { createTestDatabase, type TestDatabase } from '@omtobe/testing';
import type { Deps } from '../src/operations/deps.ts';
import { registerUser } from '../src/operations/users.ts';
import type { Peers } from '../src/peers/peers.ts';
import type { RestOptions } from '../src/rest/options.ts';
import { toHttpError } from '../src/rest/errors.ts';
import { calendarRoutes, calendarSchemas, parseRfc3339 } from '../src/rest/routes/calendar.ts';
import { sharedSchemas } from '../src/rest/routes/schemas.ts';
import { schema, type Database } from '../src/store/database.ts';
import { migrations } from '../src/store/migrations/index.ts';

describe('POST /api/v1/calendar/events', () => {
  let database: TestDatabase;
  let closeDb: () => Promise<void>;
  let app: FastifyInstance;
  let asked: UploadCalendarEventsRequest[];
  let refuseWith: ConnectError | undefined;

  const integrations = {
    uploadCalendarEvents: async (req: UploadCalendarEventsRequest) => {
      asked.push(req);
      if (refuseWith) throw refuseWith;
      return {
        results: req.events.map((e) =>
          create(CalendarEventResultSchema, e.start && e.end ? { eventId: e.eventId, outcome: CalendarEventOutcome.STORED } : { eventId: e.eventId, outcome: CalendarEventOutcome.REJECTED, reason: 'invalid_time' }),
        ),
        withdrawn: 2,
      };
    },
  };

  const post = (body: unknown, user = 'alice') =>
    app.inject({ method: 'POST', url: '/api/v1/calendar/events', headers: { 'content-type': 'application/json', 'x-test-user': user }, payload: JSON.stringify(body) });

  beforeAll(async () => {
    database = await createTestDatabase('gateway_calendar');
    const opened = createDatabase<Database>({ url: database.url, schema });
    closeDb = opened.close;
    await migrateToLatest({ db: opened.db, schema, migrations });
    const peers = { integrations, health: [] } as unknown as Peers;
    const deps: Deps = { db: opened.db, peers, clock: systemClock, logger: pino({ level: 'silent' }) };
    await registerUser(deps, { userId: 'alice' }, create(RegisterUserRequestSchema, { email: 'alice@example.com', timezone: 'Europe/London' }));
    app = Fastify({ bodyLimit: 64 * 1024, ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } } });
    for (const s of [...sharedSchemas, ...calendarSchemas]) app.addSchema(s);
    app.setErrorHandler((error, _request, reply) => {
      const e = toHttpError(error, deps.logger);
      return reply.status(e.status).send({ error: { code: e.code, message: e.message, details: e.details } });
    });
    app.addHook('onRequest', async (request) => {
      request.userId = String(request.headers['x-test-user']);
      request.hangUp = new AbortController().signal;
    });
    calendarRoutes(app, { deps, health: new HealthRegistry('SERVING') } as unknown as RestOptions);
    await app.ready();
  });
  beforeEach(() => {
    asked = [];
    refuseWith = undefined;
  });
  afterAll(async () => {
    await app?.close();
    await closeDb?.();
    await database?.drop();
  });

  it('passes the window and the events on for the caller, parsing each time with its offset; a time that does not parse is that event’s own answer', async () => {
    const response = await post({
      window_start: '2026-06-10T12:00:00+02:00',
      window_end: '2026-06-12T10:00:00Z',
      events: [
        { event_id: 'EK-1', title: 'Board Review', start: '2026-06-10T14:00:00+02:00', end: '2026-06-10T15:30:00.250+02:00', status: 'tentative' },
        { event_id: 'EK-2', title: 'Lunch', start: '2026-06-10T14:00:00', end: '2026-06-10T15:00:00Z' }, // no offset
        { event_id: 'EK-3', title: 'Offsite', all_day: true },
        { event_id: 'EK-4', title: 'Board', start: '2026-02-30T10:00:00Z', end: '2026-03-01T10:00:00Z', status: 'cancelled' },
      ],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      results: [
        { event_id: 'EK-1', outcome: 'stored', reason: null },
        { event_id: 'EK-2', outcome: 'rejected', reason: 'invalid_time' },
        { event_id: 'EK-3', outcome: 'rejected', reason: 'invalid_time' },
        { event_id: 'EK-4', outcome: 'rejected', reason: 'invalid_time' },
      ],
      withdrawn: 2,
    });
    const [req] = asked;
    expect(req!.userId).toBe('alice');
    expect(timestampDate(req!.windowStart!).toISOString()).toBe('2026-06-10T10:00:00.000Z');
    expect(timestampDate(req!.windowEnd!).toISOString()).toBe('2026-06-12T10:00:00.000Z');
    expect(req!.events.map((e) => [e.eventId, e.title, e.start && timestampDate(e.start).toISOString(), e.end && timestampDate(e.end).toISOString(), e.allDay, DeviceEventStatus[e.status]])).toEqual([
      ['EK-1', 'Board Review', '2026-06-10T12:00:00.000Z', '2026-06-10T13:30:00.250Z', false, 'TENTATIVE'],
      ['EK-2', 'Lunch', undefined, '2026-06-10T15:00:00.000Z', false, 'CONFIRMED'],
      ['EK-3', 'Offsite', undefined, undefined, true, 'CONFIRMED'],
      ['EK-4', 'Board', undefined, '2026-03-01T10:00:00.000Z', false, 'CANCELLED'],
    ]);
  });

  it('answers a bad window 422 and too many events 413 (integrations’ refusals), a body off the API 400, an unknown caller 404', async () => {
    refuseWith = new ConnectError('the window is longer than one upload may cover', Code.InvalidArgument, { [errorReasonHeader]: 'window_too_long' });
    const long = await post({ window_start: '2026-06-10T12:00:00Z', window_end: '2026-06-30T12:00:00Z', events: [] });
    expect([long.statusCode, long.json().error.code]).toEqual([422, 'window_too_long']);

    refuseWith = new ConnectError('window_start and window_end must be times', Code.InvalidArgument, { [errorReasonHeader]: 'invalid_window' });
    const unparsed = await post({ window_start: 'tomorrow', window_end: '2026-06-30T12:00:00Z', events: [] });
    expect([unparsed.statusCode, unparsed.json().error.code]).toEqual([422, 'invalid_window']);
    expect(asked.at(-1)!.windowStart).toBeUndefined(); // passed on unset: integrations refuses it

    refuseWith = new ConnectError('at most 500 events per upload', Code.InvalidArgument, { [errorReasonHeader]: 'batch_too_large' });
    const many = await post({ window_start: '2026-06-10T12:00:00Z', window_end: '2026-06-11T12:00:00Z', events: Array.from({ length: 501 }, (_, i) => ({ event_id: `E${i}`, title: 'x' })) });
    expect([many.statusCode, many.json().error.code, many.json().error.message]).toEqual([413, 'payload_too_large', 'at most 500 events per upload']);

    const huge = await post({ window_start: '2026-06-10T12:00:00Z', window_end: '2026-06-11T12:00:00Z', events: [{ event_id: 'E', title: 'x'.repeat(70 * 1024) }] });
    expect([huge.statusCode, huge.json().error.code]).toEqual([413, 'payload_too_large']);

    refuseWith = undefined;
    const before = asked.length;
    const off = await post({ window_start: '2026-06-10T12:00:00Z', window_end: '2026-06-11T12:00:00Z', events: [{ event_id: 'E', title: 'x', status: 'maybe', colour: 'red' }] });
    expect([off.statusCode, off.json().error.code]).toEqual([400, 'invalid_request']);
    expect((await post({ window_start: '2026-06-10T12:00:00Z', events: [] })).statusCode).toBe(400);
    expect(asked.length).toBe(before);

    const stranger = await post({ window_start: '2026-06-10T12:00:00Z', window_end: '2026-06-11T12:00:00Z', events: [] }, 'mallory');
    expect([stranger.statusCode, stranger.json().error.code]).toEqual([404, 'user_not_registered']);
  });

  it('parses RFC 3339 with an offset only', () => {
    const iso = (text: string) => {
      const t = parseRfc3339(text);
      return t && timestampDate(t).toISOString();
    };
    expect(iso('2026-06-10T10:00:00Z')).toBe('2026-06-10T10:00:00.000Z');
    expect(iso('2026-06-10t10:00:00.5-05:30')).toBe('2026-06-10T15:30:00.500Z');
    expect(iso('2028-02-29T00:00:00+00:00')).toBe('2028-02-29T00:00:00.000Z');
    for (const bad of ['2026-06-10T10:00:00', '2026-06-10', '2026-02-29T10:00:00Z', '2026-06-10T24:00:00Z', '2026-06-10T10:00:00+24:00', '10:00', '']) expect([bad, iso(bad)]).toEqual([bad, undefined]);
  });
});
