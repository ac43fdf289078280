import type { Kysely } from 'kysely';
import type { DevClock } from '@omtobe/db';
import type { Clock, Logger } from '@omtobe/platform';
import type { Settings } from '../domain/settings.ts';
import type { TokenCipher } from '../domain/token-cipher.ts';
import type { GoogleApi } from '../providers/google/google-api.ts';
import type { Microsoft } from '../providers/microsoft/microsoft.ts';
import type { WhoopApi } from '../providers/whoop/whoop-api.ts';
import type { Database } from '../store/database.ts';

/** What every use case of the service needs: the database, the clock, settings, the token cipher and the provider clients. */
export interface Deps {
  db: Kysely<Database>;
  /** Every "now" of the service: the development clock in development mode, the system clock in production. */
  clock: Clock;
  /** Present only in development mode (it is then `clock`): AdvanceDevClock refuses without it. */
  devClock?: DevClock;
  logger: Logger;
  settings: Settings;
  cipher: TokenCipher;
  /** Present when WHOOP is configured. */
  whoop?: WhoopApi;
  /** Present when Google Calendar is configured. */
  google?: GoogleApi;
  /** Present when Microsoft 365 is configured (its msal and Graph clients). */
  microsoft?: Microsoft;
  /** Wakes the background worker (syncs, revocations) now instead of at its next tick. */
  wake(): void;
}
