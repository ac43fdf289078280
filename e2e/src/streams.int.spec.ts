// The live state stream through the whole stack: the four services as processes, the run's broker and
// PostgreSQL. The test plays the state engine's part on prompts.v1 with a real producer (the stack's topic prefix),
// and the app's with the `eventsource` package (SSE) and Connect clients (gRPC, Connect, gRPC-Web).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient, type Client, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import type { Producer } from 'kafkajs';
import pino from 'pino';
import { createKafka, topics } from '@omtobe/events';
import { GatewayService, type WatchStateResponse } from '@omtobe/proto/gateway/v1';
import { PromptKind, PromptTransitionKind, PromptTransitionSchema } from '@omtobe/proto/state-engine/v1';
import { startTestStack, type RunningTestStack } from '@omtobe/dev-stack';
import { eventually, publishTestEvent, testKafkaBrokers } from '@omtobe/testing';
import { SseClient } from './support/sse-client.ts';

const prefix = `t${randomUUID().slice(0, 8)}.`;
const users = ['alice', 'bob', 'dave', 'erin', 'frank'] as const;
type User = (typeof users)[number];

/** A server stream read in the background: its messages as they come, and how it ended. */
function watch(client: Client<typeof GatewayService>, signal?: AbortSignal) {
  const messages: WatchStateResponse[] = [];
  const ended = (async () => {
    try {
      for await (const message of client.watchState({}, signal ? { signal } : {})) messages.push(message);
      return undefined;
    } catch (error) {
      return ConnectError.from(error);
    }
  })();
  return { messages, ended, cases: () => messages.map((m) => m.update.case) };
}

describe('the live state stream', () => {
  let stack: RunningTestStack;
  let producer: Producer;
  const tokens = {} as Record<User, string>;
  const opened: SseClient[] = [];
  const aborts: AbortController[] = [];

  const sse = (user: User | undefined) => {
    const client = new SseClient(`${stack.gatewayUrl}/api/v1/state/stream`, user ? tokens[user] : undefined);
    opened.push(client);
    return client;
  };
  const bearer = (user: User): Interceptor => (next) => (req) => {
    req.header.set('authorization', `Bearer ${tokens[user]}`);
    return next(req);
  };
  const grpc = (user: User) => createClient(GatewayService, createGrpcTransport({ baseUrl: stack.gatewayUrl, interceptors: [bearer(user)] }));
  const connect = (user: User) => createClient(GatewayService, createConnectTransport({ baseUrl: stack.gatewayUrl, httpVersion: '1.1', interceptors: [bearer(user)] }));
  const grpcWeb = (user: User) => createClient(GatewayService, createGrpcWebTransport({ baseUrl: stack.gatewayUrl, httpVersion: '1.1', interceptors: [bearer(user)] }));
  const cancellable = () => {
    const abort = new AbortController();
    aborts.push(abort);
    return abort.signal;
  };
  const send = (path: string, user: User, init: RequestInit = {}) =>
    fetch(stack.gatewayUrl + path, { ...init, headers: { authorization: `Bearer ${tokens[user]}`, 'content-type': 'application/json', ...init.headers } });

  beforeAll(async () => {
    stack = await startTestStack({ KAFKA_TOPIC_PREFIX: prefix, STREAM_HEARTBEAT_SECONDS: '1', STREAMS_PER_USER: '3', STREAM_RETRY_MS: '1500', SHUTDOWN_TIMEOUT_MS: '30000' });
    await Promise.all(
      users.map(async (user) => {
        const minted = await fetch(`${stack.gatewayUrl}/api/v1/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: user }) });
        tokens[user] = ((await minted.json()) as { access_token: string }).access_token;
        expect((await send('/api/v1/users', user, { method: 'POST', body: JSON.stringify({ email: `${user}@example.com`, timezone: 'Europe/London' }) })).status).toBe(201);
        await eventually(async () => (await send('/api/v1/state', user)).status, (s) => s === 200);
      }),
    );
    producer = createKafka({ brokers: testKafkaBrokers(), clientId: 'stream-test', logger: pino({ level: 'silent' }) }).producer({ allowAutoTopicCreation: true });
    await producer.connect();
  }, 180_000);

  afterAll(async () => {
    for (const client of opened) client.close();
    for (const abort of aborts) abort.abort();
    await producer?.disconnect();
    await stack?.stop();
  });

  it('refuses a stream without a token: 401 in the envelope (REST), UNAUTHENTICATED (Connect)', async () => {
    const response = await fetch(`${stack.gatewayUrl}/api/v1/state/stream`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'missing_token', details: [] } });
    const anonymous = sse(undefined);
    await eventually(() => anonymous.errors, (errors) => errors.length > 0);
    expect(anonymous.errors[0]?.code).toBe(401);
    const client = createClient(GatewayService, createConnectTransport({ baseUrl: stack.gatewayUrl, httpVersion: '1.1' }));
    expect((await watch(client).ended)?.code).toBe(Code.Unauthenticated);
  });

  it('opens with the state, in the same shape as GET /api/v1/state, with the headers an event stream needs', async () => {
    const raw = await send('/api/v1/state/stream', 'erin', { signal: cancellable() });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe('text/event-stream');
    expect(raw.headers.get('cache-control')).toBe('no-cache');
    expect(raw.headers.get('x-accel-buffering')).toBe('no');
    await raw.body?.cancel();

    const client = sse('erin');
    const first = await client.started();
    const state = (await (await send('/api/v1/state', 'erin')).json()) as Record<string, unknown>;
    expect(first.type).toBe('state');
    expect(Object.keys(first.data).sort()).toEqual(Object.keys(state).sort());
    expect(first.data).toMatchObject({ timezone: 'Europe/London', current_day: state.current_day, cycle_start: state.cycle_start });
    expect(first.data).toHaveProperty('prompt');
    client.close();
  });

  it('sends a heartbeat while nothing happens: an SSE comment, a Heartbeat message over Connect', async () => {
    const client = sse('erin');
    await client.started();
    await eventually(() => client.heartbeats(), (n) => n >= 2, 10_000);
    expect(client.raw).toMatch(/^: heartbeat \d{4}-\d\d-\d\dT[\d:.]+Z$/m);
    client.close();
    const stream = watch(connect('erin'), cancellable());
    await eventually(() => stream.cases(), (cases) => cases.filter((c) => c === 'heartbeat').length >= 2, 10_000);
    expect(stream.cases()[0]).toBe('state');
    const heartbeat = stream.messages.find((m) => m.update.case === 'heartbeat')!;
    expect(heartbeat.update.case === 'heartbeat' && heartbeat.update.value.at).toBeTruthy();
  });

  it('brings a transition published on prompts.v1 to the user’s SSE and Connect streams, once each, and not to another user’s', async () => {
    const alice = sse('alice');
    const bob = sse('bob');
    const aliceGrpc = watch(grpc('alice'), cancellable());
    const aliceGrpcWeb = watch(grpcWeb('alice'), cancellable());
    await Promise.all([alice.started(), bob.started()]);
    await eventually(() => [aliceGrpc.cases()[0], aliceGrpcWeb.cases()[0]], (first) => first.every((c) => c === 'state'));

    const startsAt = new Date(Date.now() - 60_000);
    const endsAt = new Date(Date.now() + 3_600_000);
    const event = { eventId: 'evt-board', startsAt: timestampFromDate(startsAt), endsAt: timestampFromDate(endsAt) };
    const transition = create(PromptTransitionSchema, {
      userId: 'alice',
      transitionId: 'tr-1',
      kind: PromptTransitionKind.BRAKE_RAISED,
      occurredAt: timestampFromDate(startsAt),
      event,
      expiresAt: timestampFromDate(endsAt),
      cycleDay: 4,
      sequence: 1n,
      prompt: { kind: PromptKind.BRAKE, event, expiresAt: timestampFromDate(endsAt), cycleDay: 4, sequence: 1n },
    });
    // The gateway's consumer joins its group in the background and starts at the latest offset: the same
    // transition is published again until it is heard. The stream skips the copies (same sequence), as it would
    // a redelivery.
    await eventually(
      async () => {
        await publishTestEvent(producer, { topic: prefix + topics.prompts.name, key: 'alice', schema: PromptTransitionSchema, message: transition });
        return alice.transitions().length;
      },
      (n) => n > 0,
      30_000,
    );
    await eventually(() => [aliceGrpc, aliceGrpcWeb].map((s) => s.cases().includes('transition')), (heard) => heard.every(Boolean), 10_000);

    expect(alice.transitions()).toEqual([
      {
        type: 'transition',
        data: {
          transition_id: 'tr-1',
          kind: 'brake_raised',
          event: { id: 'evt-board', starts_at: startsAt.toISOString(), ends_at: endsAt.toISOString() },
          withdrawn_reason: null,
          reflection_closed_reason: null,
          prompt: { kind: 'brake', event: { id: 'evt-board', starts_at: startsAt.toISOString(), ends_at: endsAt.toISOString() }, expires_at: endsAt.toISOString(), cycle_day: 4, sequence: 1 },
          expires_at: endsAt.toISOString(),
          cycle_day: 4,
          occurred_at: startsAt.toISOString(),
          sequence: 1,
        },
      },
    ]);
    for (const stream of [aliceGrpc, aliceGrpcWeb]) {
      const heard = stream.messages.filter((m) => m.update.case === 'transition');
      expect(heard.map((m) => m.update.case === 'transition' && [m.update.value.transitionId, m.update.value.kind, m.update.value.prompt?.event?.eventId])).toEqual([
        ['tr-1', PromptTransitionKind.BRAKE_RAISED, 'evt-board'],
      ]);
    }
    // Each replica hands a transition to all of the user's streams at once: by bob's next heartbeat he would have had it.
    const bobBeats = bob.heartbeats();
    await eventually(() => bob.heartbeats(), (n) => n > bobBeats, 10_000);
    expect(bob.transitions()).toEqual([]);
    alice.close();
    bob.close();
  });

  it('caps a user’s open streams: 429 too_many_streams (REST), RESOURCE_EXHAUSTED (Connect); a closed one frees its slot at once', async () => {
    const first = sse('dave');
    const second = watch(connect('dave'), cancellable());
    const third = watch(grpcWeb('dave'), cancellable());
    await first.started();
    await eventually(() => [second.cases()[0], third.cases()[0]], (c) => c.every((first) => first === 'state'));

    const fourth = await send('/api/v1/state/stream', 'dave');
    expect(fourth.status).toBe(429);
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await fourth.json()).toMatchObject({ error: { code: 'too_many_streams' } });
    expect((await watch(grpc('dave')).ended)?.code).toBe(Code.ResourceExhausted);

    first.close();
    const again = await eventually(
      async () => {
        const response = await send('/api/v1/state/stream', 'dave', { signal: cancellable() });
        if (response.status !== 200) await response.body?.cancel();
        return response;
      },
      (r) => r.status === 200,
      5_000,
    );
    expect(again.headers.get('content-type')).toBe('text/event-stream');
    await again.body?.cancel();
    first.close();
  });

  it('ends a user’s streams when the user is erased', async () => {
    const client = sse('bob');
    await client.started();
    const stream = watch(connect('bob'));
    await eventually(() => stream.cases()[0], (c) => c === 'state');
    expect((await send('/api/v1/me', 'bob', { method: 'DELETE' })).status).toBe(202);
    expect(await stream.ended).toBeUndefined();
    await eventually(() => client.ended, Boolean, 10_000);
    client.close();
  });

  it('on SIGTERM ends every stream with a reconnect hint (SSE retry:, Connect UNAVAILABLE) and exits without waiting out the shutdown timeout', async () => {
    const client = sse('frank');
    await client.started();
    const stream = watch(grpc('frank'));
    await eventually(() => stream.cases()[0], (c) => c === 'state');

    const gateway = stack.group.child('gateway')!;
    const exited = new Promise<number>((resolve) => gateway.once('exit', () => resolve(performance.now())));
    const signalled = performance.now();
    gateway.kill('SIGTERM');

    const ended = await stream.ended;
    expect({ code: ended?.code, message: ended?.rawMessage }).toEqual({ code: Code.Unavailable, message: expect.stringMatching(/reconnect/) });
    await eventually(() => client.ended, Boolean, 10_000);
    client.close();
    const retry = /^retry: (\d+)$/m.exec(client.raw);
    expect(Number(retry?.[1])).toBeGreaterThanOrEqual(750);
    expect(Number(retry?.[1])).toBeLessThanOrEqual(2250);
    // SHUTDOWN_TIMEOUT_MS is 30 s: open streams must not hold the drain that long.
    expect((await exited) - signalled).toBeLessThan(10_000);
  }, 40_000);
});
