import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { errorReasonHeader } from '@omtobe/platform';
import { GatewayService } from '@omtobe/proto/gateway/v1';
import { retryAfterSeconds, type RateLimiter, type UserRateLimits } from '../limits/rate-limiter.ts';
import { callerKey } from './connect-auth.ts';

/**
 * The REST API's per-user limits for the same operations over Connect and gRPC, counted by the same limiters:
 * RESOURCE_EXHAUSTED with `retry-after` (seconds) in the metadata and the wait in the message. Runs after the
 * authentication interceptor, whose caller it counts.
 */
export function createRateLimitInterceptor(limits: UserRateLimits): Interceptor {
  const byMethod = new Map<string, RateLimiter>([[GatewayService.method.checkState.name, limits.checkState]]);
  return (next) => async (req) => {
    if (req.service.typeName !== GatewayService.typeName) return next(req);
    const limiter = byMethod.get(req.method.name);
    const userId = req.contextValues.get(callerKey);
    if (limiter === undefined || userId === undefined) return next(req);
    const decision = limiter.take(userId);
    if (decision.allowed) return next(req);
    const seconds = retryAfterSeconds(decision);
    throw new ConnectError(`rate limit exceeded; retry in ${seconds} s`, Code.ResourceExhausted, {
      'retry-after': String(seconds),
      [errorReasonHeader]: 'rate_limited',
    });
  };
}
