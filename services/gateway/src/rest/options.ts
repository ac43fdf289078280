import type { HealthRegistry } from '@omtobe/platform';
import type { DevTokenIssuer } from '../auth/dev-issuer.ts';
import type { TokenVerifier } from '../auth/verifier.ts';
import type { UserRateLimits } from '../limits/rate-limiter.ts';
import type { Deps } from '../operations/deps.ts';

// What the REST app hands its routes: the options it was built with, and the request fields its hooks set.
// Apart from app.ts so that routes never import the app that registers them.

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token's subject; set on every authenticated route before its handler runs. */
    userId: string;
    /** The body exactly as received (webhook signatures cover these bytes). */
    rawBody?: Buffer;
    /**
     * Aborts when the client hangs up before its answer was sent. (fastify's own `request.signal` follows the
     * request stream's 'close', which comes as soon as a body has been read: it would cancel every POST.)
     */
    hangUp: AbortSignal;
  }
  interface FastifyContextConfig {
    /** Routes open without a token: health, OAuth callbacks (verified by state), webhooks (by signature), dev token. */
    public?: boolean;
  }
}

export interface RestOptions {
  deps: Deps;
  health: HealthRegistry;
  verify: TokenVerifier;
  /** Development mode only: the token issuer and the /api/v1/dev routes. */
  devIssuer?: DevTokenIssuer;
  corsOrigins?: readonly string[];
  bodyLimitBytes: number;
  checkPerMinute: number;
  anonymousPerMinute: number;
  /** How many users and addresses the rate limiter keeps counts for. */
  rateLimitTrackedClients: number;
  /** The per-user limits, shared with the Connect API (main.ts); made from checkPerMinute when absent. */
  limits?: UserRateLimits;
}
