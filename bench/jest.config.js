import { preset } from '../jest.preset.js';

// Pure specs only (the correctness verdicts): no PostgreSQL or broker to start.
const { globalSetup: _setup, globalTeardown: _teardown, ...pure } = preset;
export default { ...pure, displayName: 'bench' };
