import type { BrowserContext } from 'playwright-core';

/**
 * What went wrong in a page that no test step looked at (issue 18.3): an uncaught exception
 * or unhandled rejection (`pageerror`), a `console.error` (the app's own, and the browser's
 * error log: a failed WebSocket, a blocked resource) or a Content-Security-Policy violation
 * (issue 12.4). Every browser test fails on one it did not declare (`allowPageErrors`).
 */
export interface PageError {
  readonly kind: 'pageerror' | 'console.error' | 'csp';
  readonly text: string;
  /** The page (or script) it came from. */
  readonly url: string;
}

/** The binding the init script calls with each `securitypolicyviolation` event. */
const CSP_BINDING = '__deskReportCspViolation';

/**
 * The browser's own log line for every HTTP error answer ("Failed to load resource: the
 * server responded with a status of 401"). An error status is part of the API's contract
 * (a visitor without a session gets 401 from /api/auth/me), not a page error; a missing
 * script or style still shows as the `pageerror` or CSP violation it causes. Matching the
 * text is the only way: Chromium gives these lines no other mark.
 */
const HTTP_STATUS_LOG = /^Failed to load resource: the server responded with a status of \d+/;

/**
 * The errors of every page of every context watched in this test file (vitest runs each file
 * in its own module scope). `describeInBrowser` checks and clears it after each test.
 */
class PageErrorLog {
  private readonly seen: PageError[] = [];
  private allowed: RegExp[] = [];

  record(error: PageError): void {
    this.seen.push(error);
  }

  allow(patterns: readonly RegExp[]): void {
    this.allowed.push(...patterns);
  }

  /** The errors seen since the last call that no allowed pattern matches; clears the log. */
  takeUnexpected(): PageError[] {
    const unexpected = this.seen.filter(
      (error) => !this.allowed.some((pattern) => pattern.test(error.text)),
    );
    this.seen.length = 0;
    return unexpected;
  }

  /** Forgets the allowed patterns: they hold for one test. */
  endTest(): void {
    this.allowed = [];
  }
}

const log = new PageErrorLog();

/**
 * Declares page errors the current test expects, by pattern on their text, e.g. the browser's
 * "WebSocket connection to … failed" when the test takes the network away on purpose. Holds
 * until the end of the current test (call it in `beforeEach` for every test of a file). Keep
 * patterns narrow: a real bug must not hide behind one.
 */
export function allowPageErrors(...patterns: RegExp[]): void {
  log.allow(patterns);
}

/** The errors pages reported since the last look that the test did not allow. */
export function takeUnexpectedPageErrors(): PageError[] {
  return log.takeUnexpected();
}

/**
 * The check after each test: throws, listing them, if pages reported errors the test did not
 * allow; the allowed patterns end with the test.
 */
export function assertNoPageErrors(when: string): void {
  const unexpected = log.takeUnexpected();
  log.endTest();
  if (unexpected.length === 0) return;
  const lines = unexpected.map((e) => `  [${e.kind}] ${e.text}${e.url ? ` (${e.url})` : ''}`);
  throw new Error(
    `${unexpected.length} unexpected page error(s) ${when}:\n${lines.join('\n')}\n` +
      'Fix the page, or declare noise the test causes on purpose with allowPageErrors(/…/).',
  );
}

/**
 * Records the errors of every page of `context`, present and future. The CSP listener is an
 * init script, so it is in place before the app's first script runs.
 */
export async function watchPageErrors(context: BrowserContext): Promise<void> {
  context.on('weberror', (webError) => {
    const error = webError.error();
    log.record({
      kind: 'pageerror',
      // A thrown or rejected value that is not an Error (an IndexedDB Event, say) has
      // neither stack nor message: name it rather than report an empty line.
      text: error.stack || error.message || `${error.name}: (not an Error: no message)`,
      url: webError.page()?.url() ?? '',
    });
  });
  context.on('console', (message) => {
    if (message.type() !== 'error' || HTTP_STATUS_LOG.test(message.text())) return;
    log.record({ kind: 'console.error', text: message.text(), url: message.location().url });
  });
  await context.exposeBinding(CSP_BINDING, ({ page }, violation: string) => {
    log.record({ kind: 'csp', text: violation, url: page.url() });
  });
  await context.addInitScript((binding: string) => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as Record<string, (text: string) => void>)[binding];
      report?.(
        `CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}` +
          ` at ${event.sourceFile}:${event.lineNumber}`,
      );
    });
  }, CSP_BINDING);
}
