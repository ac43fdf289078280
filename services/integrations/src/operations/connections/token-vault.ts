import { tokenContext, type TokenCipher } from '../../domain/token-cipher.ts';
import type { ProviderName } from '../../store/database.ts';

/** A provider grant in the clear: exists only in memory, between the database and the provider. */
export interface Tokens {
  accessToken: string;
  refreshToken: string;
  /** When the access token stops working, on the service clock. */
  expiresAt: Date;
  scope: string;
}

export interface SealedTokens {
  access_token: Buffer;
  refresh_token: Buffer;
  key_id: string;
}

/** Encrypts a grant for the row of (owner, provider). `owner` is a user id, or a revocation's id. */
export function sealTokens(cipher: TokenCipher, owner: string, provider: ProviderName, tokens: Pick<Tokens, 'accessToken' | 'refreshToken'>): SealedTokens {
  return {
    access_token: cipher.encrypt(tokens.accessToken, tokenContext(owner, provider, 'access')),
    refresh_token: cipher.encrypt(tokens.refreshToken, tokenContext(owner, provider, 'refresh')),
    key_id: cipher.currentKeyId,
  };
}

export function openTokens(
  cipher: TokenCipher,
  owner: string,
  provider: ProviderName,
  row: { access_token: Uint8Array; refresh_token: Uint8Array },
): { accessToken: string; refreshToken: string } {
  return {
    accessToken: cipher.decrypt(row.access_token, tokenContext(owner, provider, 'access')),
    refreshToken: cipher.decrypt(row.refresh_token, tokenContext(owner, provider, 'refresh')),
  };
}
