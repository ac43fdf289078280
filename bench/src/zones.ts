/** Zones users live in (none with a DST change at midnight, so local midnights are plain). */
const candidates = [
  'Europe/London',
  'Europe/Berlin',
  'Europe/Helsinki',
  'Europe/Moscow',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Bangkok',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Pacific/Auckland',
  'Pacific/Honolulu',
  'America/Anchorage',
  'America/Los_Angeles',
  'America/Denver',
  'America/Chicago',
  'America/New_York',
  'America/Sao_Paulo',
  'Atlantic/Azores',
  'UTC',
];

const localHour = (tz: string, at: Date) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', hourCycle: 'h23' }).format(at));

/**
 * The zones where it is now between 01:00 and 19:00: no user's local day (and so no cycle day) changes
 * while the benchmark runs, not even after the decide scenario moves the state engine's clock forward,
 * so no cycle rolls over in the middle of a measurement.
 */
export function benchZones(now: Date): string[] {
  const zones = candidates.filter((tz) => localHour(tz, now) >= 1 && localHour(tz, now) < 19);
  if (zones.length === 0) throw new Error('no candidate zone is between 01:00 and 19:00 now (cannot happen with zones spread over the day)');
  return zones;
}
