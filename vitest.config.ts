import { defineConfig } from 'vitest/config';

// Four projects: pure-logic unit tests beside the code; integration tests against the real
// engine and sandboxes; end-to-end tests in Debian's chromium; the deploy test (docker-compose.yml
// with Debian's docker-compose). test/run.sh runs them in order.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['server/**/*.test.ts', 'web/**/*.test.ts', 'lessons/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          globalSetup: ['test/helpers/engineSetup.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          globalSetup: ['test/helpers/engineSetup.ts', 'test/helpers/webSetup.ts'],
        },
      },
      {
        test: {
          name: 'deploy',
          include: ['test/deploy/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 2_400_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
