// For tests that run the system as processes (the gateway's end-to-end tests).
export * from './test-stack.ts';
export * from './services.ts';
