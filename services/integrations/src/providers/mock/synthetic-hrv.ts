import { createHash } from 'node:crypto';

/**
 * The development HRV provider's numbers: SDNN with a personal norm, a daily rhythm and noise, the way
 * an Apple Watch series looks. Deterministic (a hash of user and instant seeds the noise), so a demo
 * replays the same way and tests can assert on it.
 */

/** A person's SDNN norm, 40–70 ms, stable per user id. */
export function personalNormMs(userId: string): number {
  return 40 + (seed(userId, 'norm') % 3001) / 100;
}

/**
 * Higher during the night (vagal tone in sleep), lowest in the afternoon: ±15% around the norm,
 * peaking at 03:00 local time.
 */
export function circadianFactor(localHour: number): number {
  return 1 + 0.15 * Math.cos((2 * Math.PI * (localHour - 3)) / 24);
}

/** One synthetic SDNN reading (ms, one decimal): norm × rhythm × (1 + 8% gaussian noise), kept within 15–150 ms. */
export function syntheticSdnn(userId: string, at: Date, localHour: number): number {
  const noise = gaussian(userId, at.getTime());
  const value = personalNormMs(userId) * circadianFactor(localHour) * (1 + 0.08 * noise);
  return Math.round(Math.min(150, Math.max(15, value)) * 10) / 10;
}

function seed(...parts: Array<string | number>): number {
  return createHash('sha256').update(parts.join('|')).digest().readUInt32BE(0);
}

/** A standard normal draw from two seeded uniforms (Box–Muller). */
function gaussian(userId: string, ms: number): number {
  const u1 = (seed(userId, ms, 'u1') + 1) / 2 ** 32;
  const u2 = seed(userId, ms, 'u2') / 2 ** 32;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
