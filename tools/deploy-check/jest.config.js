import { preset } from '../../jest.preset.js';

// Static checks of deploy/: no PostgreSQL or broker needed, so none is started for this project.
const { globalSetup: _setup, globalTeardown: _teardown, ...staticPreset } = preset;

export default { ...staticPreset, displayName: 'deploy-check' };
