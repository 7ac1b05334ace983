import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { watchPageErrors } from './pageErrors.ts';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether a Chromium binary exists here; browser tests say they are skipped when not. */
export const hasChromium = fs.existsSync(chromiumPath);

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
    await watchPageErrors(context);
    return context;
  };
  return {
    browser,
    close: () => browser.close(),
  };
}
