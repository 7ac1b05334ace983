import fs from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { startBrowserWorld, webBuildDir, type BrowserWorld } from '../../support/browserWorld.ts';
import { makeTempDir } from '../../support/tempDir.ts';

/**
 * The browser world of the offline browser tests (issue 7): the real server in this process
 * serving the built web app, and Chromium, shared by the tests of one file. Accounts and
 * tickets are in offlineAccounts.ts and offlineTickets.ts, the signed-in page in
 * offlinePage.ts, and a ready owner's desk in offlineDesk.ts.
 */

export interface OfflineWorldOptions {
  /** Serve a private copy of the web build, so a test can publish a "new version" of it. */
  readonly copyOfWebBuild?: boolean;
}

export interface OfflineWorld {
  /** The server and the browser, shared by the tests of one file (started in beforeAll). */
  readonly world: BrowserWorld;
  /** The folder the server serves the web app from (the copy with `copyOfWebBuild`). */
  readonly webDir: string;
}

/**
 * Starts one browser world for the enclosing `describe` (beforeAll) and closes it after
 * (afterAll). Use inside `describeInBrowser`, which skips, and says so, where Chromium or
 * the web build is missing.
 */
export function useOfflineWorld(options: OfflineWorldOptions = {}): OfflineWorld {
  let world: BrowserWorld | undefined;
  let webCopy: ReturnType<typeof makeTempDir> | undefined;

  beforeAll(async () => {
    if (options.copyOfWebBuild) {
      webCopy = makeTempDir('desk-web-');
      fs.cpSync(webBuildDir, webCopy.dir, { recursive: true });
    }
    world = await startBrowserWorld({ webDir: webCopy?.dir ?? webBuildDir });
  });
  afterAll(async () => {
    await world?.close();
    webCopy?.remove();
  });

  return {
    get world() {
      if (!world) throw new Error('the offline world starts in beforeAll: use it inside a test');
      return world;
    },
    get webDir() {
      return webCopy?.dir ?? webBuildDir;
    },
  };
}
