export * from './high-stakes.ts';
