/** The state engine's rules as pure functions: no I/O, no clock (every "now" is a parameter). */
export * from './rules.ts';
export * from './calendar-days.ts';
export * from './cycle.ts';
export * from './rollover.ts';
export * from './baseline.ts';
export * from './high-stakes.ts';
export * from './brake.ts';
export * from './decisions.ts';
export * from './reflection.ts';
