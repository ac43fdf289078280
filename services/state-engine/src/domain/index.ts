/** The state engine's rules as pure functions: no I/O, no clock (every "now" is a parameter). */
export * from './rules.ts';
export * from './calendar-days.ts';
export * from './cycle.ts';
export * from './rollover.ts';
export * from './baseline.ts';
export * from './latest-reading.ts';
// The classifier is shared with integrations (which filters at ingestion): one implementation in @omtobe/rules.
export { isHighStakes } from '@omtobe/rules';
// So is the time-zone validator (the gateway refuses what the engine could not apply).
export { canonicalTimeZone } from '@omtobe/rules';
export * from './brake.ts';
export * from './meetings.ts';
export * from './decisions.ts';
export * from './reflection.ts';
export * from './prompts.ts';
