import { Code, ConnectError, createContextKey, type Interceptor } from '@connectrpc/connect';
import { GatewayService } from '@omtobe/proto/gateway/v1';
import { AuthenticationError, type TokenVerifier } from '../auth/verifier.ts';

/** The verified caller of a GatewayService RPC. */
export const callerKey = createContextKey<string | undefined>(undefined, { description: 'verified user id' });

/** Every GatewayService RPC needs a valid bearer token (health and reflection on the same port do not). */
export function createAuthInterceptor(verify: TokenVerifier): Interceptor {
  return (next) => async (req) => {
    if (req.service.typeName !== GatewayService.typeName) return next(req);
    try {
      req.contextValues.set(callerKey, await verify(req.header.get('authorization') ?? undefined));
    } catch (error) {
      if (error instanceof AuthenticationError) throw new ConnectError(error.message, Code.Unauthenticated);
      throw error;
    }
    return next(req);
  };
}
