import { generateKeyPairSync } from 'node:crypto';

/**
 * Fresh service keys for one stack (`npm start`, a test stack, the benchmark's, chaos's): an Ed25519 pair per
 * service, made at start and never written anywhere. Each service gets its own private key
 * (SERVICE_PRIVATE_KEY) and every service the public keys of all (SERVICE_PUBLIC_KEYS): the callees' allow-lists
 * decide who may call what. The services' own development keys stay unused, as in a deployment.
 */
export type ServiceKeys = (service: string) => NodeJS.ProcessEnv;

export function generateServiceKeys(names: readonly string[]): ServiceKeys {
  const pairs = names.map((name) => ({ name, ...generateKeyPairSync('ed25519') }));
  const publicKeys = pairs.map((p) => `${p.name}=${p.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`).join(',');
  const privateKeys = new Map(pairs.map((p) => [p.name, p.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')]));
  return (service) => ({ SERVICE_PRIVATE_KEY: privateKeys.get(service), SERVICE_PUBLIC_KEYS: publicKeys, SERVICE_PRIVATE_KEY_FILE: undefined, SERVICE_PUBLIC_KEYS_DIR: undefined });
}
