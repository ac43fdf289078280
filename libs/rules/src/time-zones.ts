/**
 * The one time-zone validator every service uses (the gateway when a user registers or moves, the state
 * engine when it applies that): a zone one service accepts is a zone every other can apply, so a
 * registration is never stored at the edge and then dropped by the engine.
 *
 * Accepted: IANA names the time-zone data knows ('Europe/London', 'UTC', 'Etc/GMT+5'), in any case.
 * Refused: fixed offsets such as '+05', '-03', '+0530' or '+05:30', although Intl and Temporal accept them —
 * they carry no DST rules, so a user's days would silently drift from their wall clock twice a year.
 * Temporal decides, because the state engine counts every day with Temporal.
 */
import { Temporal } from 'temporal-polyfill';

// Longer than any IANA name (the longest is 32 characters); a bound before the zone data is consulted.
const maxLength = 64;

/** The zone's name as the time-zone data spells it ('europe/london' → 'Europe/London'), or undefined when it is refused. */
export function canonicalTimeZone(tz: string): string | undefined {
  if (typeof tz !== 'string' || tz === '' || tz.length > maxLength || tz.trim() !== tz) return undefined;
  // An offset string starts with a sign (ASCII or U+2212 MINUS SIGN); no IANA name does.
  if (/^[+\-\u2212]/.test(tz)) return undefined;
  try {
    return Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(tz).timeZoneId;
  } catch {
    return undefined;
  }
}
