import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, describe } from 'vitest';
import { SESSION_COOKIE } from '../../sync-server/src/identity/sessionCookie.ts';
import { TestClient, type AuthTestServer } from '../../sync-server/src/testing/authTestServer.ts';
import { loadConfig } from '../../sync-server/src/config/config.ts';
import { createServer } from '../../sync-server/src/createServer.ts';
import { createLogger } from '../../sync-server/src/log/logger.ts';
import { serverBackendParts } from '../../sync-server/src/testing/testServerBackend.ts';
import { chromiumPath, hasChromium, launchBrowser } from './browser.ts';
import { freePort } from './freePort.ts';
import { assertNoPageErrors } from './pageErrors.ts';
import { suiteVerdict, type MissingPart } from './suiteGate.ts';
import { makeTempDir } from './tempDir.ts';

/** The built web app (`pnpm build`), which the server serves to the browser by default. */
export const webBuildDir = path.resolve(import.meta.dirname, '../../web/build');

/** Whether the web app is built: without it there is nothing for the browser to load. */
export const webBuilt = fs.existsSync(path.join(webBuildDir, 'index.html'));

/** What the browser suites need and lack here (empty where they can run). */
export const browserSuiteMissing: readonly MissingPart[] = [
  ...(hasChromium
    ? []
    : [
        {
          what: `no Chromium at ${chromiumPath}`,
          howToGet: 'apt-get install chromium, or set CHROMIUM_PATH',
        },
      ]),
  ...(webBuilt ? [] : [{ what: `no web build at ${webBuildDir}`, howToGet: 'pnpm build' }]),
];

export { allowPageErrors } from './pageErrors.ts';

/**
 * A `describe` that runs only where Chromium and the built web app exist, and says so when
 * not; under CI a missing part fails the file instead (suiteGate.ts). Each test fails when
 * a page reported an error it did not declare (an uncaught exception, an unhandled
 * rejection, a `console.error`, a CSP violation; see pageErrors.ts).
 * Registered before the body's hooks, so the checks run after them (vitest runs after-hooks
 * in reverse): errors while a test closes its pages count too.
 */
export function describeInBrowser(name: string, body: () => void): void {
  const verdict = suiteVerdict(name, browserSuiteMissing, process.env);
  if (verdict.kind === 'fail') throw verdict.error;
  if (verdict.kind === 'skip') console.warn(verdict.notice);
  describe.runIf(verdict.kind === 'run')(name, () => {
    afterEach(() => assertNoPageErrors('during this test'));
    afterAll(() => assertNoPageErrors('after the last test'));
    body();
  });
}

/**
 * The real server in this process serving the built web app, and a headless Chromium. The
 * world is an AuthTestServer, so the REST helpers (signUp, addMember, …) work on it; its
 * `clock` only stamps what those helpers write: the server runs on real time, as a browser does.
 */
export interface BrowserWorld extends AuthTestServer {
  /** `http://127.0.0.1:<port>`, also the server's PUBLIC_URL (the Origin it accepts). */
  readonly base: string;
  readonly browser: Browser;
  /** The port the server listens on: `base`'s, unless the test put a front on that port. */
  readonly serverPort: number;
}

export interface BrowserWorldOptions {
  /**
   * The folder of the web app the server serves; `webBuildDir` by default. A test that
   * publishes a new release (the service-worker update) serves a copy it may change.
   */
  readonly webDir?: string;
  /**
   * The port of `base` and PUBLIC_URL when the test puts something of its own in front of
   * the server there (a TCP proxy that can stop forwarding); the server then listens on a
   * free port of its own, `serverPort`, where the front forwards to.
   */
  readonly publicPort?: number;
}

/**
 * Starts the server on a port chosen up front, because PUBLIC_URL must name it before the
 * server starts, with a fresh data folder and no scheduled snapshots or backups (a test
 * makes its own), then launches the browser. `close` undoes both.
 */
export async function startBrowserWorld(options: BrowserWorldOptions = {}): Promise<BrowserWorld> {
  const temp = makeTempDir('desk-browser-');
  const port = await freePort();
  const base = `http://127.0.0.1:${options.publicPort ?? port}`;
  // TEST_SERVER_BACKEND=postgres: a database and a Redis prefix of its own (testServerBackend.ts).
  const backend = await serverBackendParts(temp.dir);
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: temp.dir,
    PUBLIC_URL: base,
    WEB_DIR: options.webDir ?? webBuildDir,
    LOG_LEVEL: 'silent',
    SNAPSHOT_INTERVAL_MINUTES: '0',
    BACKUP_INTERVAL_HOURS: '0',
    ...backend.env,
  });
  const server = await createServer(config, createLogger('silent'));
  const stopServer = async () => {
    await server.sync.closeAll();
    await server.stop();
    await backend.release();
    temp.remove();
  };
  const launched = await launchBrowser().catch(async (error: unknown) => {
    await stopServer();
    throw error;
  });
  return {
    server,
    base,
    browser: launched.browser,
    serverPort: port,
    clock: {
      now: Date.now(),
      advance(ms: number) {
        this.now += ms;
      },
    },
    client: () => new TestClient(base, base),
    close: async () => {
      await launched.close();
      await stopServer();
    },
  };
}

/** A browser context logged in as the user whose TestClient holds a session. */
export async function signedInContext(
  world: BrowserWorld,
  client: TestClient,
): Promise<{ context: BrowserContext; page: Page }> {
  if (!client.sessionToken) throw new Error('the client has no session');
  // A laptop-sized window; the README's screenshots are taken at this size.
  const context = await world.browser.newContext({ viewport: { width: 1366, height: 860 } });
  await context.addCookies([
    { name: SESSION_COOKIE, value: client.sessionToken, url: world.base, httpOnly: true },
  ]);
  const page = await context.newPage();
  return { context, page };
}
