import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Module boundaries: a service never imports another service; libraries import only libraries;
// tests may also use @omtobe/testing (embedded PostgreSQL, the dev broker, a controllable clock); e2e imports no service.
const boundaries = (extraForAll) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib', ...extraForAll] },
      { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', ...extraForAll] },
      { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:lib', 'type:tool', 'type:testing'] },
      { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:tool', 'type:testing'] },
      // Whole-system tests drive the services as processes through their public API: they never import one.
      { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:tool', 'type:testing'] },
    ],
  },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/src/gen/**', '.data/**', '.nx/**', '**/dist/**', '**/build/**', 'bench/results/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': boundaries([]),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.spec.ts', '**/test/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(['type:testing', 'type:tool']) },
  },
  {
    // Per-project tool configuration extends the root's: not code, no module boundaries.
    files: ['**/eslint.config.js', '**/jest.config.js', 'jest.preset.js', 'scripts/**'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // Frozen migrations run against Kysely<any>: they must not depend on today's table types.
    files: ['**/migrations/**/*.ts', '**/migrations.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
