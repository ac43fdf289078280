import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock, Logger } from '@omtobe/platform';
import type { CalendarSourceName, ProviderName } from '../../store/database.ts';
import { createGraphApi, type GraphApi } from './graph-api.ts';
import { createMicrosoftAuth, type MicrosoftAuth } from './microsoft-auth.ts';
import type { MicrosoftSettings } from './microsoft-settings.ts';

/** The Microsoft 365 provider's clients and settings. */
export interface Microsoft {
  settings: MicrosoftSettings;
  auth: MicrosoftAuth;
  graph: GraphApi;
}

/** The provider's name in `connections` and the events' source in `calendar_events` (migration 0010 allows both). */
export const microsoftProvider: ProviderName = 'microsoft';
export const microsoftSource: CalendarSourceName = 'microsoft';

/** The clients for main.ts (and the tests, which record the waits instead of sleeping). */
export function createMicrosoft(
  settings: MicrosoftSettings,
  deps: { clock: Clock; logger: Logger; maxInlineWaitMs: number; sleep?: (ms: number) => Promise<void> },
): Microsoft {
  const { clock, logger } = deps;
  return {
    settings,
    auth: createMicrosoftAuth({ settings, clock, logger }),
    graph: createGraphApi({ settings, clock, logger, maxInlineWaitMs: deps.maxInlineWaitMs, sleep: deps.sleep ?? ((ms) => sleep(ms)) }),
  };
}
