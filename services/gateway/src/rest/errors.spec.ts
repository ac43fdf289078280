import { describe, expect, it } from '@jest/globals';
import { Code, ConnectError } from '@connectrpc/connect';
import {
  AlreadyExistsError,
  DomainError,
  errorReasonHeader,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnavailableError,
  type Logger,
} from '@omtobe/platform';
import { AuthenticationError } from '../auth/verifier.ts';
import { frameworkHttpError, toHttpError } from './errors.ts';

// The REST API's one table from what a route throws to status + envelope code: every row, and that nothing of an
// unexpected failure (its message, a peer's Internal text, a stack) reaches the answer.
function recordingLogger() {
  const logged: unknown[] = [];
  const logger = { error: (fields: unknown) => void logged.push(fields) } as unknown as Logger;
  return { logger, logged };
}
const map = (error: unknown) => {
  const { logger, logged } = recordingLogger();
  return { answer: toHttpError(error, logger), logged };
};
const withReason = (code: Code, reason?: string, message = 'from a peer') =>
  new ConnectError(message, code, reason === undefined ? undefined : { [errorReasonHeader]: reason });

class OtherDomainError extends DomainError {}

describe('toHttpError', () => {
  it.each([
    [new InvalidArgumentError('bad'), 422, 'invalid_argument'],
    [new NotFoundError('gone'), 404, 'not_found'],
    [new AlreadyExistsError('twice'), 409, 'already_exists'],
    [new FailedPreconditionError('not now'), 409, 'failed_precondition'],
    [new PermissionDeniedError('no'), 403, 'permission_denied'],
    [new ResourceExhaustedError('slow down'), 429, 'rate_limited'],
  ])('maps %p to %i with its default code, or its reason when it has one', (error, status, code) => {
    expect(map(error).answer).toEqual({ status, code, message: error.message, details: [] });
    const reasoned = new (error.constructor as new (m: string, o: { reason: string }) => DomainError)('precise', { reason: 'precise_code' });
    expect(map(reasoned).answer).toEqual({ status, code: 'precise_code', message: 'precise', details: [] });
  });

  it.each([
    [Code.InvalidArgument, 422, 'invalid_argument'],
    [Code.OutOfRange, 422, 'out_of_range'],
    [Code.NotFound, 404, 'not_found'],
    [Code.AlreadyExists, 409, 'already_exists'],
    [Code.FailedPrecondition, 409, 'failed_precondition'],
    [Code.PermissionDenied, 403, 'permission_denied'],
    [Code.Unauthenticated, 401, 'unauthenticated'],
    [Code.ResourceExhausted, 429, 'rate_limited'],
  ])('maps a peer’s Connect code %i to %i, its reason header naming the code when present', (code, status, fallback) => {
    expect(map(withReason(code)).answer).toEqual({ status, code: fallback, message: 'from a peer', details: [] });
    expect(map(withReason(code, 'device_not_found')).answer).toEqual({ status, code: 'device_not_found', message: 'from a peer', details: [] });
  });

  it.each([Code.Unavailable, Code.DeadlineExceeded, Code.Canceled, Code.Aborted])('answers a peer’s Connect code %i with a retryable 503', (code) => {
    expect(map(withReason(code, 'dependency_unavailable:integrations', 'secret peer detail')).answer).toEqual({
      status: 503,
      code: 'dependency_unavailable',
      message: 'a service behind the gateway is unavailable',
      details: [{ service: 'integrations' }],
    });
    expect(map(withReason(code)).answer).toMatchObject({ status: 503, code: 'dependency_unavailable', details: [] });
  });

  it('answers UnavailableError 503, naming the dependency, or registration_in_progress as itself', () => {
    expect(map(new UnavailableError('state-engine is unavailable', { reason: 'dependency_unavailable:state-engine' })).answer).toEqual({
      status: 503,
      code: 'dependency_unavailable',
      message: 'state-engine is unavailable',
      details: [{ service: 'state-engine' }],
    });
    expect(map(new UnavailableError('still processing', { reason: 'registration_in_progress' })).answer).toEqual({
      status: 503,
      code: 'registration_in_progress',
      message: 'still processing',
      details: [],
    });
  });

  it('answers the gateway’s own database going away 503 dependency_unavailable (database), unlogged', () => {
    const dropped = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    expect(map(dropped)).toEqual({
      answer: { status: 503, code: 'dependency_unavailable', message: 'the database is unavailable; retry shortly', details: [{ service: 'database' }] },
      logged: [],
    });
  });

  it.each([
    ['missing_token', 'a bearer token is required'],
    ['invalid_token', 'the token does not verify'],
    ['expired_token', 'the token has expired'],
  ] as const)('answers AuthenticationError %s with 401 and that code', (code, message) => {
    expect(map(new AuthenticationError(code, message)).answer).toEqual({ status: 401, code, message, details: [] });
  });

  it('answers schema validation 400 invalid_request, naming each field', () => {
    const validation = [
      { instancePath: '/samples/0/value', message: 'must be number' },
      { instancePath: '', message: "must have required property 'code'", params: { missingProperty: 'code' } },
      { instancePath: '', params: { additionalProperty: 'user_id' } },
    ];
    expect(map(Object.assign(new Error('body/samples/0/value must be number'), { validation, statusCode: 400 })).answer).toEqual({
      status: 400,
      code: 'invalid_request',
      message: 'the request does not match the API',
      details: [
        { field: 'samples.0.value', problem: 'must be number' },
        { field: 'code', problem: "must have required property 'code'" },
        { field: 'user_id', problem: 'is invalid' },
      ],
    });
  });

  it.each([
    [413, 'payload_too_large'],
    [415, 'unsupported_media_type'],
    [405, 'method_not_allowed'],
    [418, 'invalid_request'],
  ])('keeps the status fastify chose for its own client error %i, with a code of ours', (statusCode, code) => {
    expect(map(Object.assign(new Error('fastify says'), { statusCode, code: 'FST_ERR_SOMETHING' })).answer).toEqual({ status: statusCode, code, message: 'fastify says', details: [] });
  });

  it.each([
    ['a plain Error', new Error('password=hunter2 at db.internal:5432')],
    ['a peer’s Internal', withReason(Code.Internal, undefined, 'stack trace of state-engine')],
    ['a peer’s Unknown', withReason(Code.Unknown, 'some_reason', 'raw peer text')],
    ['a domain error of no known kind', new OtherDomainError('internal detail', { reason: 'leaky_reason' })],
    ['a thrown string', 'just a string'],
    ['a server error status', Object.assign(new Error('upstream exploded'), { statusCode: 502 })],
  ])('hides %s behind 500 internal, and logs it', (_name, error) => {
    const { answer, logged } = map(error);
    expect(answer).toEqual({ status: 500, code: 'internal', message: 'internal error', details: [] });
    expect(logged).toEqual([{ err: error }]);
  });
});

describe('frameworkHttpError', () => {
  it('answers the router’s own refusals 400 invalid_request, naming the URL', () => {
    const { logger } = recordingLogger();
    expect(frameworkHttpError(Object.assign(new Error('bad url'), { code: 'FST_ERR_BAD_URL' }), logger)).toEqual({
      status: 400,
      code: 'invalid_request',
      message: 'the URL is not valid (malformed percent-encoding)',
      details: [{ field: 'url', problem: 'does not decode' }],
    });
    expect(frameworkHttpError(Object.assign(new Error('too long'), { code: 'FST_ERR_MAX_PARAM_LENGTH' }), logger)).toEqual({
      status: 400,
      code: 'invalid_request',
      message: 'the request does not match the API',
      details: [{ field: 'url', problem: 'a path parameter is too long' }],
    });
  });

  it('maps anything else as a route’s error, internals hidden', () => {
    const { logger, logged } = recordingLogger();
    expect(frameworkHttpError(new Error('router internals'), logger)).toEqual({ status: 500, code: 'internal', message: 'internal error', details: [] });
    expect(logged).toHaveLength(1);
  });
});
