// Shared by every project's jest.config.js: TypeScript through swc as native ESM,
// and the one embedded PostgreSQL + broker per run from @omtobe/testing.
import path from 'node:path';

const root = path.dirname(new URL(import.meta.url).pathname);

export const preset = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2024' },
        module: { type: 'es6' },
      },
    ],
  },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  globalSetup: path.join(root, 'libs/testing/src/jest/global-setup.ts'),
  globalTeardown: path.join(root, 'libs/testing/src/jest/global-teardown.ts'),
  testTimeout: 30_000,
};
