// Service-to-service authentication: the caller's interceptor attaches a service token (service-tokens.ts) to
// every call; the callee's interceptor verifies it and checks the RPC's allow-list of callers. Health and
// reflection stay open (probes, tooling); everything else is UNAUTHENTICATED without a valid token for this
// service, and PERMISSION_DENIED for a caller the RPC does not list.
import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import type { KeyObject } from 'node:crypto';
import { Health } from '@omtobe/proto/grpc/health/v1';
import { ServerReflection } from '@omtobe/proto/grpc/reflection/v1';
import type { Logger } from './logger.ts';
import { publicKeyring, signingKeySource, type ServiceKeysConfig } from './service-keys.ts';
import {
  mintServiceToken,
  remintBeforeSeconds,
  serviceTokenHeader,
  ServiceTokenError,
  verifyServiceToken,
  type ServiceTokenClaims,
} from './service-tokens.ts';

// ---- the caller ----

/** Mints this service's tokens, one per audience, reused until less than `remintBeforeSeconds` is left. */
export interface ServiceTokenSigner {
  readonly issuer: string;
  token(audience: string): string;
}

export function createServiceTokenSigner(options: { issuer: string; key: () => KeyObject; now?: () => number }): ServiceTokenSigner {
  const now = options.now ?? Date.now; // real time, never the development clock: the callee judges by its own
  const cache = new Map<string, { token: string; exp: number }>();
  return {
    issuer: options.issuer,
    token(audience) {
      const nowMs = now();
      const cached = cache.get(audience);
      if (cached && cached.exp - remintBeforeSeconds > nowMs / 1000) return cached.token;
      const { token, claims } = mintServiceToken(options.key(), { iss: options.issuer, aud: audience }, nowMs);
      cache.set(audience, { token, exp: claims.exp });
      return token;
    },
  };
}

/** The signer for this service's configuration (SERVICE_PRIVATE_KEY / _FILE; the development key in development). */
export function serviceTokenSignerFrom(config: ServiceKeysConfig): ServiceTokenSigner {
  return createServiceTokenSigner({ issuer: config.SERVICE_NAME, key: signingKeySource(config) });
}

/** Client interceptor: every call to `audience` carries this service's token for it. */
export function createServiceTokenInterceptor(signer: ServiceTokenSigner, audience: string): Interceptor {
  return (next) => (req) => {
    req.header.set(serviceTokenHeader, signer.token(audience));
    return next(req);
  };
}

// ---- the callee ----

/**
 * Who may call each RPC of a service, by the RPC's local name (`checkBrake`), every RPC listed: an RPC added
 * to the contract does not compile until someone decides who may call it. `[]` means nobody.
 */
export type AllowedCallers<S extends DescService> = { readonly [M in keyof S['method']]: readonly string[] };

export interface CallerPolicy {
  service: DescService;
  allowed: Readonly<Record<string, readonly string[]>>;
}

export function callerPolicy<S extends DescService>(service: S, allowed: AllowedCallers<S>): CallerPolicy {
  return { service, allowed: allowed as Readonly<Record<string, readonly string[]>> };
}

export interface ServiceAuthOptions {
  /** This service's name: the audience its tokens must name. */
  self: string;
  policies: readonly CallerPolicy[];
  keys: ReturnType<typeof publicKeyring>;
  /** Services anyone may call, by type name. Default: health and reflection (probes, tooling). */
  open?: readonly string[];
  logger: Logger;
  now?: () => number;
}

/** How often the key directory is read again anyway, and at most how often a token with an unknown key triggers a read. */
const keysMaxAgeMs = 60_000;
const unknownKeyRereadMs = 5_000;
const verifiedCacheSize = 256;

/**
 * Server interceptor: verifies the caller's token and checks the RPC's allow-list. A verified token is
 * remembered until it expires (the gateway sends the same token for most of a minute, so a call costs a map
 * lookup, not a signature check). Refusals are logged at warn with the reason, never with the token.
 */
export function createServiceAuthInterceptor(options: ServiceAuthOptions): Interceptor {
  const now = options.now ?? Date.now;
  const open = new Set(options.open ?? [Health.typeName, ServerReflection.typeName]);
  const policies = new Map(options.policies.map((p) => [p.service.typeName, p.allowed]));
  const verified = new Map<string, ServiceTokenClaims>();

  const verify = (token: string): ServiceTokenClaims => {
    const nowMs = now();
    const known = verified.get(token);
    if (known && known.exp >= nowMs / 1000) return known;
    options.keys.refresh(keysMaxAgeMs);
    let claims: ServiceTokenClaims;
    try {
      claims = verifyServiceToken(token, { audience: options.self, keys: options.keys, nowMs });
    } catch (error) {
      if (!(error instanceof ServiceTokenError) || error.reason !== 'unknown_key') throw error;
      options.keys.refresh(unknownKeyRereadMs); // a key published a moment ago (rotation)
      claims = verifyServiceToken(token, { audience: options.self, keys: options.keys, nowMs });
    }
    if (verified.size >= verifiedCacheSize) verified.clear();
    verified.set(token, claims);
    return claims;
  };

  return (next) => (req) => {
    if (open.has(req.service.typeName)) return next(req);
    const rpc = `${req.service.typeName}/${req.method.name}`;
    const token = req.header.get(serviceTokenHeader);
    if (token === null) {
      options.logger.warn({ rpc, reason: 'missing' }, 'internal call refused: no service token');
      throw new ConnectError('a service token is required', Code.Unauthenticated);
    }
    let claims: ServiceTokenClaims;
    try {
      claims = verify(token);
    } catch (error) {
      if (!(error instanceof ServiceTokenError)) throw error;
      options.logger.warn({ rpc, reason: error.reason }, 'internal call refused: invalid service token');
      throw new ConnectError(error.message, Code.Unauthenticated);
    }
    const allowed = policies.get(req.service.typeName)?.[req.method.localName] ?? [];
    if (!allowed.includes(claims.iss)) {
      options.logger.warn({ rpc, caller: claims.iss }, 'internal call refused: caller not allowed');
      throw new ConnectError(`${claims.iss} may not call ${req.method.name}`, Code.PermissionDenied);
    }
    return next(req);
  };
}

/** The callee's interceptor for this service's configuration: its callers' keys from the environment (or development keys). */
export function serviceAuthInterceptorFrom(
  config: ServiceKeysConfig,
  options: { policies: readonly CallerPolicy[]; logger: Logger },
): Interceptor {
  const callers = [...new Set(options.policies.flatMap((p) => Object.values(p.allowed).flat()))];
  return createServiceAuthInterceptor({ self: config.SERVICE_NAME, policies: options.policies, keys: publicKeyring(config, callers), logger: options.logger });
}
