import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import net from 'node:net';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { Code, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { service as grpcHealthService } from 'grpc-health-check';
import {
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from '@omtobe/proto/grpc/reflection/v1';
import { StateEngineService } from '@omtobe/proto/state-engine/v1';
import { NotFoundError } from '../src/errors.ts';
import { errorReasonHeader } from '../src/interceptors.ts';
import { rejection, startTestServer, waitFor, type TestServer } from './support.ts';

const leakedDetail = 'db-7.internal refused the connection';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({
    checkBrake: (request) => ({ shouldDisplay: request.userId === 'show' }),
    getState(request) {
      if (request.userId === 'missing') throw new NotFoundError('no state for this user', { reason: 'NO_STATE' });
      if (request.userId === 'boom') throw new Error(leakedDetail);
      return { userId: request.userId, currentDay: 3, timezone: 'Europe/Berlin' };
    },
  });
});
afterAll(async () => {
  await t.server.close(1_000);
});

describe('grpc.health.v1 for a plain grpc-js client', () => {
  const HealthClient = grpc.makeGenericClientConstructor(grpcHealthService, 'Health');
  type HealthResponse = { status: string };
  type GrpcJsHealthClient = grpc.Client & {
    Check(request: { service: string }, callback: (error: grpc.ServiceError | null, response: HealthResponse) => void): void;
    Watch(request: { service: string }): grpc.ClientReadableStream<HealthResponse>;
  };
  let client: GrpcJsHealthClient;
  beforeAll(() => {
    client = new HealthClient(`127.0.0.1:${t.port}`, grpc.credentials.createInsecure()) as unknown as GrpcJsHealthClient;
  });
  afterAll(() => client.close());

  const check = (service: string) =>
    new Promise<HealthResponse>((resolve, reject) => client.Check({ service }, (error, response) => (error ? reject(error) : resolve(response))));

  it('answers Check with the registry status, as it changes', async () => {
    t.health.setStatus('SERVING');
    expect(await check('')).toEqual({ status: 'SERVING' });
    t.health.setStatus('NOT_SERVING');
    expect(await check('')).toEqual({ status: 'NOT_SERVING' });
    t.health.setStatus('SERVING');
    expect(await check('')).toEqual({ status: 'SERVING' });
  });

  it('answers NOT_FOUND for a service it does not know', async () => {
    await expect(check('no.such.Service')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('streams every change to a Watch', async () => {
    t.health.setStatus('SERVING', 'worker');
    const seen: string[] = [];
    const call = client.Watch({ service: 'worker' });
    call.on('data', (response) => seen.push(response.status));
    call.on('error', () => {}); // the cancel below ends the call with CANCELLED
    await waitFor(() => seen.length === 1);
    t.health.setStatus('NOT_SERVING', 'worker');
    await waitFor(() => seen.length === 2);
    t.health.setStatus('SERVING', 'worker');
    await waitFor(() => seen.length === 3);
    call.cancel();
    expect(seen).toEqual(['SERVING', 'NOT_SERVING', 'SERVING']);
  });
});

describe('grpc.reflection.v1 for a plain grpc-js client', () => {
  const codec = {
    requestSerialize: (m: ServerReflectionRequest) => Buffer.from(toBinary(ServerReflectionRequestSchema, m)),
    requestDeserialize: (b: Buffer) => fromBinary(ServerReflectionRequestSchema, b),
    responseSerialize: (m: ServerReflectionResponse) => Buffer.from(toBinary(ServerReflectionResponseSchema, m)),
    responseDeserialize: (b: Buffer) => fromBinary(ServerReflectionResponseSchema, b),
  };
  const ReflectionClient = grpc.makeGenericClientConstructor(
    {
      ServerReflectionInfo: {
        path: '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
        requestStream: true,
        responseStream: true,
        ...codec,
      },
    },
    'ServerReflection',
  );

  /** Sends each request on one stream and returns the answers in order. */
  async function reflect(requests: ServerReflectionRequest['messageRequest'][]): Promise<ServerReflectionResponse[]> {
    const client = new ReflectionClient(`127.0.0.1:${t.port}`, grpc.credentials.createInsecure());
    const call = (client as unknown as Record<string, () => grpc.ClientDuplexStream<ServerReflectionRequest, ServerReflectionResponse>>)
      .ServerReflectionInfo!();
    const responses: ServerReflectionResponse[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      call.on('data', (response: ServerReflectionResponse) => responses.push(response));
      call.on('error', reject);
      call.on('end', resolve);
    });
    for (const messageRequest of requests) call.write(create(ServerReflectionRequestSchema, { messageRequest }));
    call.end();
    await ended;
    client.close();
    return responses;
  }

  const files = (response: ServerReflectionResponse | undefined): FileDescriptorProto[] => {
    if (response?.messageResponse.case !== 'fileDescriptorResponse') throw new Error(`unexpected ${response?.messageResponse.case}`);
    return response.messageResponse.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
  };

  it('lists exactly the services this server serves', async () => {
    const [response] = await reflect([{ case: 'listServices', value: '*' }]);
    if (response?.messageResponse.case !== 'listServicesResponse') throw new Error('expected a service list');
    expect(response.messageResponse.value.service.map((s) => s.name).sort()).toEqual([
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'omtobe.state_engine.v1.StateEngineService',
    ]);
  });

  it('returns the original file declaring a symbol, with every import it names', async () => {
    const [response] = await reflect([{ case: 'fileContainingSymbol', value: 'omtobe.state_engine.v1.StateEngineService' }]);
    const returned = files(response);
    expect(returned[0]?.name).toBe('omtobe/state_engine/v1/state_engine.proto');
    expect(returned[0]?.service.map((s) => s.name)).toEqual(['StateEngineService']);
    // grpcurl follows `dependency` by file name: every import must be among the files returned.
    const names = new Set(returned.map((file) => file.name));
    for (const file of returned) for (const dependency of file.dependency) expect(names).toContain(dependency);
    expect(returned[0]?.dependency.length).toBeGreaterThan(0);
  });

  it('serves files by name and reports unknown symbols as NOT_FOUND', async () => {
    const [byName, unknown] = await reflect([
      { case: 'fileByFilename', value: 'google/protobuf/timestamp.proto' },
      { case: 'fileContainingSymbol', value: 'no.such.Symbol' },
    ]);
    expect(files(byName)[0]?.messageType.map((m) => m.name)).toEqual(['Timestamp']);
    expect(unknown?.messageResponse).toMatchObject({ case: 'errorResponse', value: { errorCode: grpc.status.NOT_FOUND } });
  });
});

describe('protocols on the one port', () => {
  it('answers Connect JSON over HTTP/1.1 (fetch, as curl would)', async () => {
    const response = await fetch(`${t.baseUrl}/omtobe.state_engine.v1.StateEngineService/CheckBrake`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'show' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ shouldDisplay: true });
  });

  it.each([
    ['gRPC-Web over HTTP/1.1', () => createGrpcWebTransport({ baseUrl: t.baseUrl, httpVersion: '1.1' })],
    ['gRPC-Web over HTTP/2', () => createGrpcWebTransport({ baseUrl: t.baseUrl, httpVersion: '2' })],
    ['gRPC over HTTP/2', () => createGrpcTransport({ baseUrl: t.baseUrl })],
    ['Connect binary over HTTP/2', () => createConnectTransport({ baseUrl: t.baseUrl, httpVersion: '2' })],
  ])('answers %s', async (_name, transport) => {
    const client = createClient(StateEngineService, transport());
    expect((await client.getState({ userId: 'u-1' })).currentDay).toBe(3);
  });
});

describe('requests the HTTP/1.1 parser refuses', () => {
  /** Writes raw bytes to the port and reads the whole answer (the server closes the connection). */
  async function raw(request: string): Promise<string> {
    const socket = net.connect(t.port, '127.0.0.1');
    socket.end(request);
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  it.each([
    ['a non-numeric Content-Length', 'POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: ten\r\n\r\n', 400, 'invalid_request'],
    ['a malformed request line', 'GET\u0001 / HTTP/1.1\r\n\r\n', 400, 'invalid_request'],
    ['headers beyond the limit', `GET / HTTP/1.1\r\nhost: a\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
  ])('answers %s with the JSON error envelope', async (_name, request, status, code) => {
    const answer = await raw(request);
    expect(answer.split('\r\n')[0]).toBe(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}`);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code, message: expect.any(String), details: [] } });
  });
});

describe('error mapping', () => {
  const client = () => createClient(StateEngineService, createGrpcTransport({ baseUrl: t.baseUrl }));

  it('maps a DomainError to its code, message and reason', async () => {
    const error = await rejection(client().getState({ userId: 'missing' }));
    expect(error).toMatchObject({ code: Code.NotFound, rawMessage: 'no state for this user' });
    expect(error.metadata.get(errorReasonHeader)).toBe('NO_STATE');
  });

  it('turns an unknown error into a generic Internal and logs it with its stack and rpc', async () => {
    const error = await rejection(client().getState({ userId: 'boom' }));
    expect(error).toMatchObject({ code: Code.Internal, rawMessage: 'internal error' });
    expect(JSON.stringify(error)).not.toContain('db-7');
    expect(error.message).not.toContain('db-7');

    const json = await fetch(`${t.baseUrl}/omtobe.state_engine.v1.StateEngineService/GetState`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'boom' }),
    });
    const body = await json.text();
    expect(json.status).toBe(500);
    expect(body).not.toContain('db-7');

    const logged = t.logs.filter((line) => line.msg === 'unhandled error in rpc');
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ level: 'error', rpc: 'omtobe.state_engine.v1.StateEngineService/GetState' });
    expect((logged[0]?.err as { stack: string }).stack).toContain(leakedDetail);
  });

  it('logs one line per call with rpc, code and duration, never the request', async () => {
    await client().getState({ userId: 'person@example.com' });
    const line = t.logs.findLast((l) => l.msg === 'rpc finished' && l.rpc === 'omtobe.state_engine.v1.StateEngineService/GetState');
    expect(line).toMatchObject({ service: 'platform-test', code: 'ok', level: 'debug' });
    expect(typeof line?.duration_ms).toBe('number');
    expect(JSON.stringify(t.logs)).not.toContain('person@example.com');
  });
});
