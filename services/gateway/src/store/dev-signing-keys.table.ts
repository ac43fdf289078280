/** Development mode's signing key (see migrations/0004-dev-signing-keys.ts). */
export interface DevSigningKeysTable {
  kid: string;
  private_jwk: Record<string, unknown>;
  public_jwk: Record<string, unknown>;
  created_at: Date;
}
