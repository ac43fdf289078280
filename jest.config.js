// One jest run over every project: one embedded PostgreSQL and one broker for the whole run.
export default {
  // Read from the root in a multi-project run (a project's own value is ignored there).
  testTimeout: 30_000,
  projects: ['<rootDir>/libs/*/jest.config.js', '<rootDir>/services/*/jest.config.js', '<rootDir>/tools/*/jest.config.js', '<rootDir>/bench/jest.config.js', '<rootDir>/e2e/jest.config.js'],
};
