// Where a service's keys come from (deploy/README.md, "Security"):
//
//   SERVICE_PRIVATE_KEY       this service's Ed25519 private key: PEM, or base64 of its PKCS#8 DER form
//   SERVICE_PRIVATE_KEY_FILE  …or a PEM file (a mounted Secret); read again before each token is minted
//   SERVICE_PUBLIC_KEYS       its callers' public keys: `caller=<PEM body: base64 of SPKI DER>`, comma-separated
//   SERVICE_PUBLIC_KEYS_DIR   …or a directory of `<caller>.pem` / `<caller>.<label>.pem` files (a mounted Secret),
//                             read again every minute and when a token names a key it does not know yet
//
// A caller may have several keys at once: that is how a key rotates without a failed call (publish the new public
// key, switch the caller's private key, drop the old public key). In development mode, what is not configured is
// replaced by fixed development keys derived from the service names (public, hence refused in production).
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { keyId, type ServicePublicKeys } from './service-tokens.ts';

export const serviceKeysConfigSchema = z.object({
  SERVICE_PRIVATE_KEY: z.string().optional(),
  SERVICE_PRIVATE_KEY_FILE: z.string().optional(),
  SERVICE_PUBLIC_KEYS: z.string().optional(),
  SERVICE_PUBLIC_KEYS_DIR: z.string().optional(),
});

export interface ServiceKeysConfig {
  readonly OMTOBE_MODE: 'development' | 'production';
  readonly SERVICE_NAME: string;
  readonly SERVICE_PRIVATE_KEY?: string | undefined;
  readonly SERVICE_PRIVATE_KEY_FILE?: string | undefined;
  readonly SERVICE_PUBLIC_KEYS?: string | undefined;
  readonly SERVICE_PUBLIC_KEYS_DIR?: string | undefined;
}

/** What a service does with keys: `calls` other services (needs its private key), `serves` callers (needs their public keys). */
export interface ServiceKeyRole {
  calls?: boolean;
  /** The callers named in the service's allow-lists (their development keys are accepted in development). */
  servesCallers?: readonly string[];
}

/**
 * Every problem with the key variables, by variable name, for a config schema's superRefine: production needs
 * the keys its role calls for and refuses the development keys; a key that does not parse is refused anywhere.
 */
export function serviceKeyProblems(config: ServiceKeysConfig, role: ServiceKeyRole): Array<{ variable: string; message: string }> {
  const problems: Array<{ variable: string; message: string }> = [];
  const production = config.OMTOBE_MODE === 'production';
  if (config.SERVICE_PRIVATE_KEY !== undefined && config.SERVICE_PRIVATE_KEY_FILE !== undefined) {
    problems.push({ variable: 'SERVICE_PRIVATE_KEY', message: 'set either SERVICE_PRIVATE_KEY or SERVICE_PRIVATE_KEY_FILE, not both' });
  }
  if (config.SERVICE_PUBLIC_KEYS !== undefined && config.SERVICE_PUBLIC_KEYS_DIR !== undefined) {
    problems.push({ variable: 'SERVICE_PUBLIC_KEYS', message: 'set either SERVICE_PUBLIC_KEYS or SERVICE_PUBLIC_KEYS_DIR, not both' });
  }
  if (production && role.calls && config.SERVICE_PRIVATE_KEY === undefined && config.SERVICE_PRIVATE_KEY_FILE === undefined) {
    problems.push({ variable: 'SERVICE_PRIVATE_KEY', message: 'is required in production (or SERVICE_PRIVATE_KEY_FILE): the key this service signs its calls with' });
  }
  if (production && role.servesCallers?.length && config.SERVICE_PUBLIC_KEYS === undefined && config.SERVICE_PUBLIC_KEYS_DIR === undefined) {
    problems.push({ variable: 'SERVICE_PUBLIC_KEYS', message: 'is required in production (or SERVICE_PUBLIC_KEYS_DIR): the public keys of the services allowed to call this one' });
  }
  if (config.SERVICE_PRIVATE_KEY !== undefined) {
    try {
      const key = parsePrivateKey(config.SERVICE_PRIVATE_KEY);
      if (production && keyId(key) === keyId(developmentPrivateKey(config.SERVICE_NAME))) {
        problems.push({ variable: 'SERVICE_PRIVATE_KEY', message: 'is the public development key; refused in production' });
      }
    } catch (error) {
      problems.push({ variable: 'SERVICE_PRIVATE_KEY', message: (error as Error).message });
    }
  }
  if (config.SERVICE_PUBLIC_KEYS !== undefined) {
    try {
      const entries = parsePublicKeyList(config.SERVICE_PUBLIC_KEYS);
      if (production) {
        for (const { caller, key } of entries) {
          if (keyId(key) === keyId(developmentPrivateKey(caller))) {
            problems.push({ variable: 'SERVICE_PUBLIC_KEYS', message: `holds the development key of ${caller}; refused in production` });
          }
        }
      }
    } catch (error) {
      problems.push({ variable: 'SERVICE_PUBLIC_KEYS', message: (error as Error).message });
    }
  }
  return problems;
}

/** For a config schema: `.superRefine(serviceKeyRefinement({ calls: true }))` reports serviceKeyProblems by variable. */
export function serviceKeyRefinement(role: ServiceKeyRole) {
  return (config: ServiceKeysConfig, ctx: z.RefinementCtx): void => {
    for (const { variable, message } of serviceKeyProblems(config, role)) ctx.addIssue({ code: 'custom', path: [variable], message });
  };
}

/** The source of this service's signing key: read once, or from its file before each token (a rotated Secret is picked up). */
export function signingKeySource(config: ServiceKeysConfig): () => KeyObject {
  if (config.SERVICE_PRIVATE_KEY !== undefined) {
    const key = parsePrivateKey(config.SERVICE_PRIVATE_KEY);
    return () => key;
  }
  const file = config.SERVICE_PRIVATE_KEY_FILE;
  if (file !== undefined) {
    let last = parsePrivateKey(readFileSync(file, 'utf8')); // at start: a missing file stops the service
    return () => {
      try {
        last = parsePrivateKey(readFileSync(file, 'utf8'));
      } catch {
        // Mid-rotation (the kubelet swaps the files) or briefly unreadable: the last good key still works.
      }
      return last;
    };
  }
  if (config.OMTOBE_MODE === 'production') throw new Error('SERVICE_PRIVATE_KEY is required in production');
  const key = developmentPrivateKey(config.SERVICE_NAME);
  return () => key;
}

export interface ServicePublicKeyring extends ServicePublicKeys {
  /** Reads the directory again if it was last read over `maxAgeMs` ago (no-op for keys from the environment). */
  refresh(maxAgeMs: number): void;
}

/** The callers' public keys from SERVICE_PUBLIC_KEYS, SERVICE_PUBLIC_KEYS_DIR or (development only) the development keys. */
export function publicKeyring(config: ServiceKeysConfig, callers: readonly string[], nowMs: () => number = Date.now): ServicePublicKeyring {
  if (config.SERVICE_PUBLIC_KEYS !== undefined) {
    const keys = index(parsePublicKeyList(config.SERVICE_PUBLIC_KEYS));
    return { keysFor: (issuer) => keys.get(issuer), refresh: () => undefined };
  }
  const dir = config.SERVICE_PUBLIC_KEYS_DIR;
  if (dir !== undefined) {
    let keys = index(readPublicKeyDir(dir)); // at start: an unreadable directory stops the service
    let readAt = nowMs();
    return {
      keysFor: (issuer) => keys.get(issuer),
      refresh(maxAgeMs) {
        if (nowMs() - readAt < maxAgeMs) return;
        readAt = nowMs();
        try {
          keys = index(readPublicKeyDir(dir));
        } catch {
          // Keep the keys we have: a directory mid-swap must not lock every caller out.
        }
      },
    };
  }
  if (config.OMTOBE_MODE === 'production') throw new Error('SERVICE_PUBLIC_KEYS or SERVICE_PUBLIC_KEYS_DIR is required in production');
  const keys = index(callers.map((caller) => ({ caller, key: createPublicKey(developmentPrivateKey(caller)) })));
  return { keysFor: (issuer) => keys.get(issuer), refresh: () => undefined };
}

/**
 * The fixed development key of a service: derived from its name, so every process of `npm start` knows every
 * other's without provisioning. Anyone can derive it: production refuses it.
 */
export function developmentPrivateKey(service: string): KeyObject {
  const seed = createHash('sha256').update(`omtobe development service key: ${service}`).digest();
  return createPrivateKey({ key: Buffer.concat([ed25519Pkcs8Prefix, seed]), format: 'der', type: 'pkcs8' });
}

// The fixed PKCS#8 DER header of an Ed25519 private key (RFC 8410), followed by the 32-byte seed.
const ed25519Pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

export function parsePrivateKey(text: string): KeyObject {
  return parseEd25519Key(text, 'private');
}

function parsePublicKey(text: string): KeyObject {
  return parseEd25519Key(text, 'public');
}

/** An Ed25519 key as PEM, or as base64 of DER (PKCS#8 for a private key, SPKI for a public one). */
function parseEd25519Key(text: string, kind: 'private' | 'public'): KeyObject {
  const trimmed = text.trim();
  const pem = trimmed.startsWith('-----BEGIN');
  let key: KeyObject;
  try {
    key =
      kind === 'private'
        ? createPrivateKey(pem ? trimmed : { key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'pkcs8' })
        : createPublicKey(pem ? trimmed : { key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new Error(`is not a ${kind} key (PEM, or base64 of ${kind === 'private' ? 'PKCS#8' : 'SPKI'} DER)`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`must be an Ed25519 key (got ${key.asymmetricKeyType})`);
  return key;
}

const callerName = /^[a-z][a-z0-9-]*$/;

/** `gateway=MCowBQYDK2VwAyEA…,gateway=…`: a caller may appear more than once (rotation). */
export function parsePublicKeyList(value: string): Array<{ caller: string; key: KeyObject }> {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item, i) => {
      const at = item.indexOf('=');
      const caller = item.slice(0, at);
      if (at < 1 || !callerName.test(caller)) throw new Error(`entry ${i + 1} must be <service name>=<base64 public key>`);
      try {
        return { caller, key: parsePublicKey(item.slice(at + 1)) };
      } catch (error) {
        throw new Error(`entry ${i + 1} (${caller}) ${(error as Error).message}`);
      }
    });
}

function readPublicKeyDir(dir: string): Array<{ caller: string; key: KeyObject }> {
  const entries: Array<{ caller: string; key: KeyObject }> = [];
  // A mounted Secret also holds `..data` and timestamped directories: only the visible *.pem files count.
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || !name.endsWith('.pem')) continue;
    const caller = name.slice(0, name.indexOf('.'));
    if (!callerName.test(caller)) continue;
    const text = readFileSync(path.join(dir, name), 'utf8');
    for (const block of text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? []) {
      entries.push({ caller, key: parsePublicKey(block) });
    }
  }
  return entries;
}

function index(entries: ReadonlyArray<{ caller: string; key: KeyObject }>): Map<string, Map<string, KeyObject>> {
  const keys = new Map<string, Map<string, KeyObject>>();
  for (const { caller, key } of entries) {
    const forCaller = keys.get(caller) ?? new Map<string, KeyObject>();
    forCaller.set(keyId(key), key);
    keys.set(caller, forCaller);
  }
  return keys;
}
