import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for OAuth tokens at rest. A ciphertext names the key it was made with, so keys rotate:
 * the first configured key encrypts, every configured key decrypts, and rows made with an older key
 * are re-encrypted in the background (work/maintenance.ts) until the old key can be dropped.
 *
 * Layout: version (1) | key id length (1) | key id (utf-8) | IV (12) | tag (16) | ciphertext.
 * The associated data binds a ciphertext to where it belongs (user, provider, field), so a token
 * copied into another user's row does not decrypt.
 */
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export class TokenDecryptionError extends Error {}

export interface TokenCipher {
  /** The id of the key new ciphertexts are made with. */
  readonly currentKeyId: string;
  encrypt(plaintext: string, associatedData: string): Buffer;
  decrypt(ciphertext: Uint8Array, associatedData: string): string;
  /** The key id a ciphertext was made with. */
  keyIdOf(ciphertext: Uint8Array): string;
}

/** Parses `kid:base64key,kid:base64key` (first = current); every problem is named, never a key's value. */
export function parseKeyring(spec: string): Array<{ id: string; key: Buffer }> {
  const entries = spec.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) throw new Error('TOKEN_ENCRYPTION_KEYS lists no key');
  const keys = entries.map((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    if (!KEY_ID.test(id)) throw new Error(`key #${i + 1}: expected "kid:base64key" with a kid of letters, digits, ".", "_" or "-"`);
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== KEY_BYTES) throw new Error(`key "${id}": must be ${KEY_BYTES} bytes of base64 (got ${key.length})`);
    return { id, key };
  });
  const ids = new Set(keys.map((k) => k.id));
  if (ids.size !== keys.length) throw new Error('key ids must be unique');
  return keys;
}

export function createTokenCipher(keyring: ReadonlyArray<{ id: string; key: Buffer }>): TokenCipher {
  const [current] = keyring;
  if (!current) throw new Error('a token cipher needs at least one key');
  const byId = new Map(keyring.map((k) => [k.id, k.key]));

  const parse = (data: Uint8Array) => {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (buf.length < 2 || buf[0] !== VERSION) throw new TokenDecryptionError('unknown token ciphertext format');
    const idLength = buf[1]!;
    const ivStart = 2 + idLength;
    if (buf.length < ivStart + IV_BYTES + TAG_BYTES) throw new TokenDecryptionError('truncated token ciphertext');
    return {
      keyId: buf.subarray(2, ivStart).toString('utf8'),
      iv: buf.subarray(ivStart, ivStart + IV_BYTES),
      tag: buf.subarray(ivStart + IV_BYTES, ivStart + IV_BYTES + TAG_BYTES),
      body: buf.subarray(ivStart + IV_BYTES + TAG_BYTES),
    };
  };

  return {
    currentKeyId: current.id,
    encrypt(plaintext, associatedData) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const id = Buffer.from(current.id, 'utf8');
      return Buffer.concat([Buffer.from([VERSION, id.length]), id, iv, cipher.getAuthTag(), body]);
    },
    decrypt(ciphertext, associatedData) {
      const { keyId, iv, tag, body } = parse(ciphertext);
      const key = byId.get(keyId);
      if (!key) throw new TokenDecryptionError(`token was encrypted with key "${keyId}", which is not configured`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAAD(Buffer.from(associatedData, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
      } catch (cause) {
        throw new TokenDecryptionError(`token does not decrypt with key "${keyId}" (wrong key, tampered, or moved)`, { cause });
      }
    },
    keyIdOf(ciphertext) {
      return parse(ciphertext).keyId;
    },
  };
}

/** What a token's ciphertext is bound to. */
export function tokenContext(userId: string, provider: string, field: 'access' | 'refresh'): string {
  return `omtobe.integrations/${provider}/${field}/${userId}`;
}
