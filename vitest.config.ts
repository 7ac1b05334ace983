import { defineConfig } from 'vitest/config';

// One vitest run covers every package: unit tests sit beside the code, system tests in test/.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'sync-server/src/**/*.test.ts',
            // The test harness's own logic (which suites may skip, and where).
            'test/support/**/*.test.ts',
          ],
          environment: 'node',
          sequence: { groupOrder: 0 },
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // expect.poll waits on a condition: a deadline, not vitest's 1 s (a speed).
          expect: { poll: { timeout: 20_000 } },
        },
      },
      // Every test of the web app, with the Svelte plugin and $lib (web/vitest.config.ts).
      'web/vitest.config.ts',
      {
        test: {
          name: 'system',
          include: ['test/system/**/*.test.ts', 'test/reliability/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // expect.poll waits on what a page or server shows: a deadline, not vitest's 1 s.
          expect: { poll: { timeout: 60_000 } },
          // System tests start real server processes and browsers; keep them from starving each other.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
