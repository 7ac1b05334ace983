import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from '../../support/browser.ts';
import { allowPageErrors, describeInBrowser } from '../../support/browserWorld.ts';
import { takeUnexpectedPageErrors, type PageError } from '../../support/pageErrors.ts';

/**
 * The harness itself (issue 18.3): every page of every context reports its uncaught errors,
 * unhandled rejections, console errors and CSP violations to the test's check.
 */
describeInBrowser('page errors in browser tests', () => {
  let launched: Awaited<ReturnType<typeof launchBrowser>>;
  beforeAll(async () => {
    launched = await launchBrowser();
  });
  afterAll(async () => {
    await launched?.close();
  });

  /** A page of a fresh context at an origin served by the test, with a strict CSP. */
  async function pageWith(html: string): Promise<Page> {
    const context = await launched.browser.newContext();
    await context.route('http://app.test/**', (route) =>
      route.request().url().endsWith('/missing')
        ? route.fulfill({ status: 404, contentType: 'text/plain', body: 'not here' })
        : route.fulfill({
            contentType: 'text/html',
            headers: { 'content-security-policy': "script-src 'self'; style-src 'self'" },
            body: html,
          }),
    );
    const page = await context.newPage();
    await page.goto('http://app.test/');
    return page;
  }

  /** Waits until the pages have reported something (events arrive asynchronously). */
  async function reported(count = 1): Promise<string> {
    const errors: PageError[] = [];
    await expect
      .poll(() => errors.push(...takeUnexpectedPageErrors()))
      .toBeGreaterThanOrEqual(count);
    return errors.map((e) => `[${e.kind}] ${e.text}`).join('\n');
  }

  it('reports an uncaught exception and an unhandled rejection', async () => {
    const page = await pageWith('<p>hello</p>');
    await page.evaluate(() => {
      setTimeout(() => {
        throw new Error('thrown by a timer');
      });
    });
    expect(await reported()).toMatch(/\[pageerror\].*thrown by a timer/);
    await page.evaluate(() => {
      void Promise.reject(new Error('nobody caught me'));
    });
    expect(await reported()).toMatch(/\[pageerror\].*nobody caught me/);
    await page.context().close();
  });

  it('reports console.error, and ignores the log line of an HTTP error answer', async () => {
    const page = await pageWith('<p>hello</p>');
    expect(await page.evaluate(async () => (await fetch('/missing')).status)).toBe(404);
    await page.evaluate(() => console.error('something broke'));
    const message = await reported();
    expect(message).toMatch(/\[console\.error\] something broke/);
    expect(message).not.toMatch(/Failed to load resource/);
    await page.context().close();
  });

  it('reports a Content-Security-Policy violation', async () => {
    const page = await pageWith('<p style="color: red">styled</p><script>window.x = 1</script>');
    // Each violation is reported twice: its event, and Chromium's console line about it.
    const message = await reported(4);
    expect(message).toMatch(/\[csp\] CSP violation: script-src-elem blocked inline/);
    expect(message).toMatch(/\[csp\] CSP violation: style-src-attr blocked inline/);
    await page.context().close();
  });

  it('lets a test declare the errors it causes on purpose', async () => {
    const page = await pageWith('<p>hello</p>');
    allowPageErrors(/^expected noise$/);
    await page.evaluate(() => console.error('expected noise'));
    await page.evaluate(() => console.error('unexpected noise'));
    const message = await reported();
    expect(message).toMatch(/unexpected noise/);
    expect(message).not.toMatch(/\] expected noise/);
    await page.context().close();
  });
});
