// One jest run over every project: one embedded PostgreSQL and one broker for the whole run.
export default {
  projects: ['<rootDir>/libs/*/jest.config.js', '<rootDir>/services/*/jest.config.js', '<rootDir>/tools/*/jest.config.js'],
};
