/**
 * One `npm test` for everything, in four tiers that can also run alone (`npm run test:<tier>`):
 *
 * - unit: `*.spec.ts` anywhere (next to the code, or under test/ for repository-wide checks),
 *   and the dashboard's specs. No build, no models, no database.
 * - medium: one component against a real thing (ONNX Runtime, ffmpeg, SQLite/PostgreSQL, the
 *   models script): `*.medium-spec.ts` (next to the code or under test/), `test/medium/**`, and
 *   the files listed in MEDIUM below.
 * - e2e: every other `*.e2e-spec.ts` under test/ (test/hostile/ included): the app over HTTP and
 *   WebSocket, or its processes.
 * - browser: `test/browser/**`, the built dashboard in a real browser.
 *
 * A new test file lands in a tier by where it sits and how it is named; nothing here needs editing.
 */
const aliases = {
  '^@forgesyte/contracts$': '<rootDir>/libs/contracts/src',
  '^@forgesyte/vision$': '<rootDir>/libs/vision/src',
  '^@forgesyte/server/(.*)$': '<rootDir>/apps/server/src/$1',
};

/** Files that predate the test/medium/ folder; kept in place so their history stays easy to follow. */
const MEDIUM = [
  'detector-pool',
  'jobs-repository',
  'models-fetch',
  'ocr',
  'pipeline',
  'pipeline-custom',
  'pipeline-scheduler',
].map((name) => `<rootDir>/test/${name}.e2e-spec.ts`);

const node = {
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/support/main-realm-typed-arrays.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleNameMapper: aliases,
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120000,
  projects: [
    {
      ...node,
      displayName: 'unit',
      roots: ['<rootDir>/apps/server', '<rootDir>/libs', '<rootDir>/test', '<rootDir>/scripts', '<rootDir>/examples'],
      testMatch: ['**/*.spec.ts'],
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
    {
      ...node,
      displayName: 'medium',
      roots: ['<rootDir>/apps/server', '<rootDir>/libs', '<rootDir>/test'],
      testMatch: ['<rootDir>/test/medium/**/*-spec.ts', '**/*.medium-spec.ts', ...MEDIUM],
    },
    {
      ...node,
      displayName: 'e2e',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/browser/', '<rootDir>/test/medium/', ...MEDIUM],
    },
    {
      ...node,
      displayName: 'browser',
      roots: ['<rootDir>/test/browser'],
      testMatch: ['**/*-spec.ts'],
    },
  ],
};
