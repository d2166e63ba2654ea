/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // swc strips types only; `npm run typecheck` is the type check.
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // One MariaDB for the whole run (MYSQL_URL, or a throwaway server from the binaries on PATH).
  globalSetup: '<rootDir>/test/support/mysql-global-setup.ts',
  globalTeardown: '<rootDir>/test/support/mysql-global-teardown.ts',
  testTimeout: 30_000,
};
