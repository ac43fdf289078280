import base from '../eslint.config.js';

export default [...base];
