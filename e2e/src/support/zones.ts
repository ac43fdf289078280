import { zoneWhereLocalHourIn } from '@omtobe/testing';

/**
 * The user's zone for a whole-system test on real time: one where it is now between 12:00 and 15:00. Between the
 * development mock calendar's meetings (11:00–12:00 and 15:00–15:45 local: none runs, so every brake is for the
 * meeting the test injects and none ends under a pending answer), past Day 7's 09:00 reflection, and hours from
 * a local midnight that would move the cycle day mid-test.
 */
export function afternoonZone(now: Date): string {
  return zoneWhereLocalHourIn(now, 12, 15);
}
