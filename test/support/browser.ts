import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { watchPageErrors } from './pageErrors.ts';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether a Chromium binary exists here; browser tests say they are skipped when not. */
export const hasChromium = fs.existsSync(chromiumPath);

/**
 * How long a page's waits (`waitFor`, `click`, `waitForEvent`) may take before they fail.
 * A deadline, not a speed: Playwright's 30 s default failed on a busy CI machine (load 4-6)
 * while the page was still on its way; this stays under the system tests' 120 s timeout so
 * the failure names the wait, not just the test.
 */
export const BROWSER_WAIT_MS = 90_000;

/**
 * Launches Debian's Chromium headless with the flags this sandbox needs (no background
 * networking: the machine's network is closed to everything but localhost). Playwright gives
 * every launch a fresh temporary profile (--user-data-dir) and removes it on close.
 *
 * Every context it creates (`newContext`, and `newPage`, which makes one) records its pages'
 * errors for the test's check (pageErrors.ts) before the caller gets it, so no page can
 * run a script unwatched.
 */
export async function launchBrowser(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
  const newContext = browser.newContext.bind(browser);
  // Wrapped rather than listened to: the `context` event cannot make the caller wait until
  // the CSP init script is installed.
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.setDefaultTimeout(BROWSER_WAIT_MS);
    await watchPageErrors(context);
    return context;
  };
  return {
    browser,
    close: () => browser.close(),
  };
}
