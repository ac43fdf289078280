import { deviceTokenContext, tokenTag } from '../../domain/device-token.ts';
import type { PushIntent } from '../../domain/push-message.ts';
import { nextStep, type NextStep, type SendOutcome } from '../../domain/push-outcome.ts';
import { deleteDevices, devicesByIds, type DeviceRow } from '../../store/devices.repo.ts';
import { claimDueDeliveries, finishPendingOfDevices, leasedToAnother, recordAttempt, type DeliveryRow } from '../../store/push-deliveries.repo.ts';
import type { Deps } from '../deps.ts';
import type { PushSenders } from '../../domain/push-sender.ts';

export interface PushDispatcher {
  /**
   * Claims due pushes (as many as there are free slots, at most a batch) and starts sending them, each on its own:
   * resolves once they are claimed, with `settled` for when their sends are over. A slow or hanging device holds
   * one slot until its timeout, never the others, nor the next pass.
   */
  runOnce(): Promise<{ claimed: number; settled: Promise<void> }>;
  /** Sends under way right now. */
  inFlight(): number;
  /** Waits for the sends under way (each ends by its timeout). */
  drain(): Promise<void>;
}

type DispatcherDeps = Pick<Deps, 'db' | 'clock' | 'cipher' | 'logger' | 'settings'>;

/** The lease outlives the send's timeout, so no other replica takes a row while its send may still succeed. */
const LEASE_MARGIN_MS = 30_000;

export function createPushDispatcher(deps: DispatcherDeps, senders: PushSenders): PushDispatcher {
  const settings = deps.settings.push;
  const logger = deps.logger.child({ component: 'push' });
  const inFlight = new Set<Promise<void>>();
  const policy = { maxAttempts: settings.maxAttempts, baseMs: settings.retryBaseMs, capMs: settings.retryCapMs };

  const withTimeout = (send: Promise<SendOutcome>): Promise<SendOutcome> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<SendOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'retry', reason: `timeout after ${settings.sendTimeoutMs} ms` }), settings.sendTimeoutMs);
    });
    return Promise.race([send, timeout]).finally(() => clearTimeout(timer));
  };

  const apply = async (row: DeliveryRow, device: DeviceRow | undefined, step: NextStep, counted: boolean) => {
    const now = deps.clock.now();
    const context = { user_id: row.user_id, delivery_id: row.delivery_id, transition_id: row.transition_id, push: row.kind, attempts: row.attempts + (counted ? 1 : 0) };
    // The lease it was claimed with: the record is this replica's only while the row still holds it.
    const claim = { deliveryId: row.delivery_id, leaseUntil: row.lease_until! };
    const change = { status: step.status, now, counted, ...(step.status === 'pending' ? { dueAt: step.dueAt } : {}), ...('error' in step ? { error: step.error } : {}) };
    /** Not recorded because another replica claimed the row after this one's lease ended (not because the row was finished meanwhile). */
    const lost = async (db: typeof deps.db, recorded: boolean) => !recorded && (await leasedToAnother(db, row.delivery_id, claim.leaseUntil));
    const leaseLost =
      step.status === 'device_gone'
        ? await deps.db.transaction().execute(async (trx) => {
            if (await lost(trx, await recordAttempt(trx, claim, change))) return true;
            if (device) {
              await deleteDevices(trx, [device.device_id]);
              await finishPendingOfDevices(trx, [device.device_id], 'device_gone', now);
            }
            return false;
          })
        : await lost(deps.db, await recordAttempt(deps.db, claim, change));
    if (leaseLost) {
      logger.warn({ ...context, outcome: step.status }, 'push outlived its lease: another replica owns the row now, this outcome is dropped');
      return;
    }
    switch (step.status) {
      case 'sent':
        logger.info({ ...context, platform: device?.platform }, 'push sent');
        return;
      case 'device_gone':
        logger.warn({ ...context, device_id: row.device_id, error: step.error }, 'device removed: the push service no longer knows its token');
        return;
      case 'pending':
        logger.warn({ ...context, error: step.error, retry_at: step.dueAt.toISOString() }, 'push failed; trying again later');
        return;
      case 'expired':
        logger.info({ ...context, ...(step.error ? { error: step.error } : {}) }, 'push expired undelivered');
        return;
      case 'dead':
        // The dead letter: the row stays (PUSH_DEAD_RETENTION_DAYS) with its last error.
        logger.error({ ...context, device_id: row.device_id, error: step.error }, 'push given up (dead letter)');
        return;
    }
  };

  const deliver = async (row: DeliveryRow, device: DeviceRow | undefined): Promise<void> => {
    if (!device || device.user_id !== row.user_id) return apply(row, device, { status: 'device_gone', error: 'device no longer registered' }, false);
    // Withdrawn or lapsed is never delivered late.
    if (deps.clock.now().getTime() >= row.expires_at.getTime()) return apply(row, device, { status: 'expired', error: 'lapsed before it was sent' }, false);
    let token: string;
    try {
      token = deps.cipher.decrypt(device.token, deviceTokenContext(device.user_id, device.device_id));
    } catch (error) {
      return apply(row, device, { status: 'dead', error: `token does not decrypt: ${(error as Error).message}` }, false);
    }
    const sender = senders[device.platform];
    const intent: PushIntent = { kind: row.kind, transitionId: row.transition_id, ...(row.event_id ? { eventId: row.event_id } : {}), expiresAt: row.expires_at };
    let outcome: SendOutcome;
    try {
      outcome = await withTimeout(sender.send({ deviceId: device.device_id, platform: device.platform, environment: device.environment, token }, intent, deps.clock.now(), { breathePrompt: settings.breathePrompt }));
    } catch (error) {
      outcome = { kind: 'retry', reason: `${sender.name}: ${(error as Error).message}` };
    }
    if (outcome.kind !== 'sent') logger.debug({ delivery_id: row.delivery_id, device: tokenTag(token), sender: sender.name, outcome: outcome.kind }, 'push not accepted');
    await apply(row, device, nextStep(outcome, row.attempts + 1, deps.clock.now(), row.expires_at, policy), true);
  };

  return {
    async runOnce() {
      const free = settings.maxInFlight - inFlight.size;
      if (free <= 0) return { claimed: 0, settled: Promise.resolve() };
      const now = deps.clock.now();
      const leaseUntil = new Date(now.getTime() + settings.sendTimeoutMs + LEASE_MARGIN_MS);
      const rows = await claimDueDeliveries(deps.db, now, leaseUntil, Math.min(settings.batchSize, free));
      if (rows.length === 0) return { claimed: 0, settled: Promise.resolve() };
      const devices = new Map((await devicesByIds(deps.db, rows.map((r) => r.device_id))).map((d) => [d.device_id, d]));
      const sends = rows.map((row) => {
        const send: Promise<void> = deliver(row, devices.get(row.device_id))
          .catch((err: unknown) => logger.warn({ err, delivery_id: row.delivery_id }, 'recording a push failed; its lease ends and it is tried again'))
          .finally(() => inFlight.delete(send));
        inFlight.add(send);
        return send;
      });
      return { claimed: rows.length, settled: Promise.all(sends).then(() => undefined) };
    },
    inFlight: () => inFlight.size,
    async drain() {
      await Promise.all([...inFlight]);
    },
  };
}
