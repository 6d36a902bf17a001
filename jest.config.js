/** One `npm test` for everything: server, libraries and cross-process tests; the dashboard. */
const aliases = {
  '^@forgesyte/contracts$': '<rootDir>/libs/contracts/src',
  '^@forgesyte/vision$': '<rootDir>/libs/vision/src',
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120000,
  projects: [
    {
      displayName: 'server',
      testEnvironment: 'node',
      roots: ['<rootDir>/apps/server', '<rootDir>/libs', '<rootDir>/test', '<rootDir>/scripts', '<rootDir>/examples'],
      testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/test/support/main-realm-typed-arrays.ts'],
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
      moduleNameMapper: aliases,
    },
    {
      displayName: 'dashboard',
      preset: 'jest-preset-angular',
      roots: ['<rootDir>/apps/dashboard'],
      setupFilesAfterEnv: ['<rootDir>/apps/dashboard/setup-jest.ts'],
      transform: {
        '^.+\\.(ts|js|mjs|html|svg)$': [
          'jest-preset-angular',
          { tsconfig: '<rootDir>/apps/dashboard/tsconfig.spec.json', stringifyContentPathRegex: '\\.(html|svg)$' },
        ],
      },
      moduleNameMapper: aliases,
    },
  ],
};
