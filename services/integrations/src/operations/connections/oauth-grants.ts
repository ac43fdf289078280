import type { Logger } from '@omtobe/platform';
import type { TokenCipher } from '../../domain/token-cipher.ts';
import type { Db } from '../../store/database.ts';
import { grantsOf, takeExpiredGrants, type OAuthGrantRow } from '../../store/oauth-states.repo.ts';
import type { Deps } from '../deps.ts';
import { queueRevocation } from './revocation-queue.ts';

/** Associated data of a PKCE verifier: bound to its state, so it opens for that flow only. */
export const verifierContext = (stateHash: string) => `omtobe.integrations/oauth-verifier/${stateHash}`;

/** A kept-aside grant nobody will redeem goes back to the provider (revoked by the worker, like a disconnect's). */
export function revokeGrant(trx: Db, cipher: TokenCipher, logger: Logger, grant: OAuthGrantRow, now: Date): Promise<void> {
  return queueRevocation(trx, cipher, logger, grant, [], now);
}

/** Erasure: the user's grants still waiting for redemption are revoked with their connections'. */
export async function revokeGrantsOf(trx: Db, cipher: TokenCipher, logger: Logger, userId: string, now: Date): Promise<void> {
  for (const grant of await grantsOf(trx, userId)) await revokeGrant(trx, cipher, logger, grant, now);
}

/** Maintenance: grants not redeemed within OAUTH_REDEEM_TTL_MINUTES are revoked at their provider. */
export async function expireGrants(deps: Pick<Deps, 'db' | 'cipher' | 'logger'>, now: Date): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
    const expired = await takeExpiredGrants(trx, now, 100);
    for (const grant of expired) await revokeGrant(trx, deps.cipher, deps.logger, grant, now);
    return expired.length;
  });
}
