import { z } from 'zod';
import { enqueueEvents } from '@omtobe/events';
import { FailedPreconditionError, InvalidArgumentError, PermissionDeniedError } from '@omtobe/platform';
import { checkWhoopSignature } from '../../domain/whoop-signature.ts';
import { withdrawSample, type HrvEvent } from '../../operations/ingest/hrv-samples.ts';
import { requestSync, usersOfProviderAccount } from '../../store/connections.repo.ts';
import { claimDelivery } from '../../store/webhook-deliveries.repo.ts';
import type { Deps } from '../../operations/deps.ts';

const delivery = z.object({
  user_id: z.union([z.number().int(), z.string().min(1)]),
  id: z.union([z.string().min(1), z.number()]),
  type: z.string().min(1),
  trace_id: z.string().min(1).max(200),
});

export interface WhoopDelivery {
  body: Uint8Array;
  signature: string;
  timestamp: string;
}

/**
 * Verifies and applies one WHOOP webhook delivery (v2 model: a recovery's `id` is its sleep id).
 * `recovery.updated` asks for a sync of the user's recent recoveries (the webhook carries no data);
 * `recovery.deleted` withdraws the sample at once. Other types are acknowledged and ignored. A delivery
 * whose trace id was applied before is a replay: acknowledged, not applied. The trace id is recorded in
 * the same transaction as the effect, so a delivery that failed half-way is applied when WHOOP retries it.
 */
export async function handleWhoopWebhook(deps: Deps, input: WhoopDelivery): Promise<{ applied: boolean }> {
  const settings = deps.settings.whoop;
  if (!settings) throw new FailedPreconditionError('WHOOP is not configured', { reason: 'provider_not_configured' });
  const now = deps.clock.now();
  const check = checkWhoopSignature({ ...input, secret: settings.clientSecret, now, toleranceMs: settings.webhookToleranceMs });
  if (!check.ok) {
    deps.logger.warn({ provider: 'whoop', reason: check.reason }, 'webhook refused');
    throw new PermissionDeniedError('webhook signature not valid', { reason: check.reason });
  }
  let parsed: z.infer<typeof delivery>;
  try {
    parsed = delivery.parse(JSON.parse(Buffer.from(input.body).toString('utf8')));
  } catch {
    throw new InvalidArgumentError('webhook body is not a WHOOP v2 delivery', { reason: 'invalid_body' });
  }
  const whoopUserId = String(parsed.user_id);
  const applied = await deps.db.transaction().execute(async (trx) => {
    if (!(await claimDelivery(trx, parsed.trace_id, now))) return false;
    if (parsed.type === 'recovery.updated') {
      await requestSync(trx, { provider: 'whoop', providerUserId: whoopUserId }, now);
    } else if (parsed.type === 'recovery.deleted') {
      const withdrawals: HrvEvent[] = [];
      for (const userId of await usersOfProviderAccount(trx, 'whoop', whoopUserId)) {
        const event = await withdrawSample(trx, userId, 'whoop', String(parsed.id), now);
        if (event) withdrawals.push(event);
      }
      await enqueueEvents(trx, withdrawals);
    }
    return true;
  });
  if (applied) deps.wake();
  deps.logger.info({ provider: 'whoop', type: parsed.type, trace: parsed.trace_id, applied }, 'webhook handled');
  return { applied };
}
