export * from './clock-skew.ts';
export * from './high-stakes.ts';
export * from './time-zones.ts';
export * from './user-id.ts';
