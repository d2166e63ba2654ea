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
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // `typeof import('…')` types the isolated requires that load a Lambda entry as its own instance.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } },
  },
  // The APPSYNC_JS resolver files (core/config/topology.ts names them): the runtime's restrictions, checked before a deploy
  // finds them (no `in`, try, throw, classes, async, ...). test/unit/appsync-js-resolvers.test.ts keeps this list whole.
  {
    files: [
      'resolvers/Mutation.publishAppointmentStatusChange.ts',
      'resolvers/Mutation.publishSlotAvailabilityChange.ts',
      'resolvers/lambda-data-source.ts',
    ],
    ...appsync.configs.recommended,
  },
  // The domain stands alone: configuration, observability, messages, ports and adapters may use it, never the reverse.
  {
    files: ['core/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*', '!../domain', '!../graphql', '../ports', '@aws-sdk/*', '@aws-lambda-powertools/*'],
              message: 'core/domain depends on itself and the generated GraphQL types only (docs/architecture.md, Folders).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
);
