export * from './database.ts';
export * from './database-watch.ts';
export * from './migrate.ts';
export type * from './types.ts';
export * from './service-database.ts';
