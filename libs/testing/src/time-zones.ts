// Tests that run on real time and care about the user's local hour (a cycle day must not roll over at midnight
// mid-test; the development mock calendar's meetings must not overlap the one a test injects) pick the user's zone
// by the hour it is there now.

/**
 * Named zones first — what a person registers with, and all a browser's `Intl.supportedValuesOf('timeZone')` lists —
 * one for nearly every whole-hour offset (Asia/Kolkata's half hour first of all), so any window of two hours or more
 * finds one; then the fixed Etc/GMT zones from −12 to +14 hours, which no daylight-saving change moves, so even a
 * one-hour window is always met. Zones away from UTC come first: a test is unlikely to run where local and UTC days
 * agree. (Etc/GMT+5 is UTC−5.)
 */
const candidateZones = [
  'Asia/Kolkata', 'Pacific/Honolulu', 'America/Anchorage', 'America/Los_Angeles', 'America/Denver', 'America/Chicago',
  'America/New_York', 'America/Halifax', 'America/Sao_Paulo', 'Atlantic/South_Georgia', 'Atlantic/Azores', 'Europe/Paris',
  'Europe/Athens', 'Europe/Moscow', 'Asia/Dubai', 'Asia/Karachi', 'Asia/Dhaka', 'Asia/Bangkok', 'Asia/Shanghai', 'Asia/Tokyo',
  'Australia/Brisbane', 'Pacific/Noumea', 'Pacific/Auckland', 'Pacific/Tongatapu', 'Europe/London',
  ...Array.from({ length: 26 }, (_, i) => (i < 12 ? i - 12 : i - 11)).map((hours) => `Etc/GMT${hours > 0 ? '-' : '+'}${Math.abs(hours)}`),
  'Etc/GMT',
];

function localHour(zone: string, now: Date): number {
  return Number(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', hourCycle: 'h23' }).format(now));
}

/**
 * A zone where the local hour is now in [fromHour, toHour) — `preferred` when it qualifies. Throws when none does
 * (a window narrower than the zones' spacing), rather than handing back a zone that breaks the test's premise.
 */
export function zoneWhereLocalHourIn(now: Date, fromHour: number, toHour: number, preferred?: string): string {
  const candidates = preferred === undefined ? candidateZones : [preferred, ...candidateZones];
  const zone = candidates.find((z) => localHour(z, now) >= fromHour && localHour(z, now) < toHour);
  if (zone === undefined) throw new Error(`no zone at a local hour in [${fromHour}, ${toHour}) at ${now.toISOString()}`);
  return zone;
}
