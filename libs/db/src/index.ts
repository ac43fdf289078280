export * from './database.ts';
export * from './database-watch.ts';
export * from './migrate.ts';
export type * from './types.ts';
export * from './service-database.ts';
export * from './dev-clock.ts';
export * from './dev-clock-table.ts';
