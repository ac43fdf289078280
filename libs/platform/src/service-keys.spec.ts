import { describe, expect, it } from '@jest/globals';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { developmentPrivateKey, publicKeyring, serviceKeyProblems, signingKeySource } from './service-keys.ts';
import { keyId } from './service-tokens.ts';

const spki = (key: ReturnType<typeof createPublicKey>) => key.export({ format: 'der', type: 'spki' }).toString('base64');
const pkcs8 = (key: ReturnType<typeof developmentPrivateKey>) => key.export({ format: 'der', type: 'pkcs8' }).toString('base64');

describe('serviceKeyProblems', () => {
  it('refuses production without the keys a service needs, naming the variable', () => {
    expect(serviceKeyProblems({ OMTOBE_MODE: 'production', SERVICE_NAME: 'gateway' }, { calls: true }).map((p) => p.variable)).toEqual(['SERVICE_PRIVATE_KEY']);
    expect(serviceKeyProblems({ OMTOBE_MODE: 'production', SERVICE_NAME: 'state-engine' }, { servesCallers: ['gateway'] }).map((p) => p.variable)).toEqual([
      'SERVICE_PUBLIC_KEYS',
    ]);
  });

  it('refuses the public development keys in production', () => {
    const problems = serviceKeyProblems(
      {
        OMTOBE_MODE: 'production',
        SERVICE_NAME: 'gateway',
        SERVICE_PRIVATE_KEY: pkcs8(developmentPrivateKey('gateway')),
        SERVICE_PUBLIC_KEYS: `gateway=${spki(createPublicKey(developmentPrivateKey('gateway')))}`,
      },
      { calls: true, servesCallers: ['gateway'] },
    );
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/development key/), expect.stringMatching(/development key of gateway/)]);
  });

  it('accepts production with its own keys, and development with none', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    expect(
      serviceKeyProblems(
        { OMTOBE_MODE: 'production', SERVICE_NAME: 'gateway', SERVICE_PRIVATE_KEY: pkcs8(privateKey), SERVICE_PUBLIC_KEYS: `gateway=${spki(publicKey)}` },
        { calls: true, servesCallers: ['gateway'] },
      ),
    ).toEqual([]);
    expect(serviceKeyProblems({ OMTOBE_MODE: 'development', SERVICE_NAME: 'gateway' }, { calls: true, servesCallers: ['gateway'] })).toEqual([]);
  });

  it('refuses keys that do not parse, or are not Ed25519, anywhere', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const problems = serviceKeyProblems(
      { OMTOBE_MODE: 'development', SERVICE_NAME: 'state-engine', SERVICE_PRIVATE_KEY: 'bm90IGEga2V5', SERVICE_PUBLIC_KEYS: `gateway=${spki(rsa)}` },
      { servesCallers: ['gateway'] },
    );
    expect(problems.map((p) => `${p.variable}: ${p.message}`)).toEqual([
      'SERVICE_PRIVATE_KEY: is not a private key (PEM, or base64 of PKCS#8 DER)',
      'SERVICE_PUBLIC_KEYS: entry 1 (gateway) must be an Ed25519 key (got rsa)',
    ]);
  });
});

describe('development keys', () => {
  it('are fixed per service name, so every process of npm start knows every other without provisioning', () => {
    expect(keyId(developmentPrivateKey('gateway'))).toBe(keyId(developmentPrivateKey('gateway')));
    expect(keyId(developmentPrivateKey('gateway'))).not.toBe(keyId(developmentPrivateKey('integrations')));
    const keys = publicKeyring({ OMTOBE_MODE: 'development', SERVICE_NAME: 'state-engine' }, ['gateway']);
    expect(keys.keysFor('gateway')?.has(keyId(signingKeySource({ OMTOBE_MODE: 'development', SERVICE_NAME: 'gateway' })()))).toBe(true);
  });

  it('are never used in production', () => {
    expect(() => signingKeySource({ OMTOBE_MODE: 'production', SERVICE_NAME: 'gateway' })).toThrow(/SERVICE_PRIVATE_KEY/);
    expect(() => publicKeyring({ OMTOBE_MODE: 'production', SERVICE_NAME: 'state-engine' }, ['gateway'])).toThrow(/SERVICE_PUBLIC_KEYS/);
  });
});
