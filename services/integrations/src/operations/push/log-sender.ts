import type { Logger } from '@omtobe/platform';
import { tokenTag } from '../../domain/device-token.ts';
import { describePush } from '../../domain/push-message.ts';
import type { PushSender } from '../../domain/push-sender.ts';

/**
 * Development's sender when APNs or FCM credentials are not configured: every push is one readable log line,
 * e.g. `push → ios …1a2b3c4d: brake (time-sensitive, collapse brake-…) until 2026-06-10T14:00Z`, and counts
 * as sent. Never used in production (config.ts).
 */
export function createLogSender(logger: Logger): PushSender {
  return {
    name: 'log',
    async send(target, intent, _now, options) {
      logger.info(
        { push: intent.kind, transition_id: intent.transitionId, device_id: target.deviceId, platform: target.platform },
        describePush(intent, { platform: target.platform, tag: tokenTag(target.token) }, options),
      );
      return { kind: 'sent' };
    },
    async close() {},
  };
}
