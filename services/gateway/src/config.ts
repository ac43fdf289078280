import { z } from 'zod';
import { databaseConfigSchema } from '@omtobe/db';
import { kafkaConfigSchema } from '@omtobe/events';
import { baseConfigSchema, envInt, envList, loadConfigOrExit, serviceKeyRefinement, serviceKeysConfigSchema } from '@omtobe/platform';

const serviceUrl = (fallback: string) => z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default(fallback);

export const configSchema = baseConfigSchema
  .extend({
    ...databaseConfigSchema.shape,
    ...kafkaConfigSchema.shape,
    // Its identity on calls to the other services (SERVICE_PRIVATE_KEY[_FILE]; libs/platform service-keys.ts).
    ...serviceKeysConfigSchema.shape,
    SERVICE_NAME: z.string().default('gateway'),
    PORT: envInt({ min: 0, max: 65_535 }).default(8080),
    STATE_ENGINE_URL: serviceUrl('http://127.0.0.1:50051'),
    DECISION_LOG_URL: serviceUrl('http://127.0.0.1:50052'),
    INTEGRATIONS_URL: serviceUrl('http://127.0.0.1:50053'),
    /** Deadline of every call to another service. */
    INTERNAL_CALL_TIMEOUT_MS: envInt({ min: 50, max: 60_000 }).default(3_000),
    // Authentication: tokens are verified against the identity provider's JWKS. In development mode the
    // gateway issues its own tokens (POST /api/v1/dev/token) and JWKS_URL may stay unset.
    JWKS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    JWT_ISSUER: z.string().min(1).default('omtobe-dev'),
    JWT_AUDIENCE: z.string().min(1).default('omtobe-app'),
    JWT_CLOCK_SKEW_SECONDS: envInt({ min: 0, max: 300 }).default(30),
    /** Signature algorithms a token may use; anything else (none, HS256 with a public key as secret, …) is refused. */
    JWT_ALGORITHMS: envList().pipe(z.array(z.enum(['ES256', 'ES384', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA']))).default(['ES256', 'RS256']),
    /** The `typ` header the identity provider sets on access tokens (e.g. `at+jwt`); checked when set. */
    JWT_TYP: z.string().min(1).optional(),
    /**
     * Verified tokens remembered per replica (about 200 bytes each), so a user's poll every minute checks no
     * signature: at least the users one replica serves in TOKEN_CACHE_SECONDS. 0 turns the cache off.
     */
    TOKEN_CACHE_SIZE: envInt({ min: 0 }).default(100_000),
    TOKEN_CACHE_SECONDS: envInt({ min: 1, max: 3_600 }).default(300),
    /** Browser origins allowed by CORS; empty means none (the mobile app needs no CORS). */
    CORS_ORIGINS: envList().optional(),
    /** Per-user limit on POST /state/check, and per-IP limit on unauthenticated routes, per minute. */
    RATE_LIMIT_CHECK_PER_MINUTE: envInt({ min: 1 }).default(120),
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: envInt({ min: 1 }).default(60),
    /** Users and addresses whose counts one replica keeps (least recently seen dropped first). */
    RATE_LIMIT_TRACKED_CLIENTS: envInt({ min: 1_000 }).default(100_000),
    BODY_LIMIT_BYTES: envInt({ min: 1_024, max: 10 * 1024 * 1024 }).default(256 * 1024),
    // Live state streams (GET /api/v1/state/stream, WatchState): README.md, "The live stream".
    /** Open streams one user may hold on one replica (the app needs one; a few more for a second device or a reconnect). */
    STREAMS_PER_USER: envInt({ min: 1, max: 100 }).default(5),
    /**
     * Open streams one replica holds at most (about 23 KB of heap each, measured by the bench): the default fits the
     * 128 MB heap the gateway runs with; raise it with the heap (NODE_OPTIONS --max-old-space-size). Beyond: 503.
     */
    STREAMS_PER_REPLICA: envInt({ min: 1 }).default(3_000),
    /** A heartbeat goes out after this long without a message: below every idle timeout on the way (Envoy's is 300 s). */
    STREAM_HEARTBEAT_SECONDS: envInt({ min: 1, max: 240 }).default(15),
    /** The reconnection delay a Server-Sent Events client is told when a drain ends its stream (jittered ±50%). */
    STREAM_RETRY_MS: envInt({ min: 100, max: 60_000 }).default(3_000),
  })
  .refine((c) => c.OMTOBE_MODE === 'development' || c.JWKS_URL !== undefined, {
    path: ['JWKS_URL'],
    message: 'is required in production (the identity provider’s JWKS)',
  })
  // Keys fetched over plain HTTP could be swapped on the way: then any token verifies.
  .refine((c) => c.OMTOBE_MODE === 'development' || c.JWKS_URL === undefined || c.JWKS_URL.startsWith('https://'), {
    path: ['JWKS_URL'],
    message: 'must be an https URL in production',
  })
  .superRefine(serviceKeyRefinement({ calls: true }));

export type Config = ReturnType<typeof loadConfig>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfigOrExit(configSchema, env);
