import appsync from '@aws-appsync/eslint-plugin';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.scratch/', '.local-data/', 'core/graphql/types.generated.ts', 'coverage/', 'bench-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // `typeof import('…')` types the isolated requires that load a Lambda entry as its own instance.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], extends: [tseslint.configs.disableTypeChecked], languageOptions: { globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } } },
  // The APPSYNC_JS resolver files (core/topology.ts names them): the runtime's restrictions, checked before a deploy
  // finds them (no `in`, try, throw, classes, async, ...). test/unit/appsync-js-resolvers.test.ts keeps this list whole.
  { files: ['resolvers/Mutation.publishAppointmentStatusChange.ts', 'resolvers/lambda-data-source.ts'], ...appsync.configs.recommended },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
);
