import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The gate as CI meets it: a real browser suite file run by vitest in a child process, with
 * Chromium missing (CHROMIUM_PATH pointing nowhere). suiteGate.test.ts checks the verdict;
 * this checks that the verdict reaches vitest's exit code, which is what CI reads.
 */

const root = path.resolve(import.meta.dirname, '../..');
const vitest = path.join(root, 'node_modules/vitest/vitest.mjs');
// A browser suite of the system project; any file using describeInBrowser would do.
const browserSuite = 'test/system/browser/securityHeaders.test.ts';

interface Run {
  readonly code: number;
  readonly output: string;
}

function runSuite(env: Record<string, string | undefined>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [vitest, 'run', '--project', 'system', browserSuite],
      {
        cwd: root,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

const noChromium = { CHROMIUM_PATH: '/nonexistent/chromium' };

// Each case starts a vitest of its own (collection only: no server, no browser).
describe('a browser suite with Chromium missing', { timeout: 180_000 }, () => {
  it('fails the run under CI=true, naming what is missing and how to get it', async () => {
    const run = await runSuite({ ...noChromium, CI: 'true' });
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('MissingPartsError');
    expect(run.output).toContain(
      'cannot run under CI, no Chromium at /nonexistent/chromium (apt-get install chromium, or set CHROMIUM_PATH)',
    );
  });

  it('skips with the notice on a local run, and the run passes', async () => {
    const run = await runSuite({ ...noChromium, CI: undefined });
    expect(run.output).toContain('skipped, no Chromium at /nonexistent/chromium');
    expect(run.output).not.toContain('MissingPartsError');
    expect(run.code).toBe(0);
  });
});
