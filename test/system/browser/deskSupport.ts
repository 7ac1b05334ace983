import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  signUp,
  TestClient,
  type AuthTestServer,
} from '../../../sync-server/src/auth/testSupport.ts';
import { SESSION_COOKIE } from '../../../sync-server/src/auth/sessionCookie.ts';
import { loadConfig } from '../../../sync-server/src/config/config.ts';
import { createServer, type RunningServer } from '../../../sync-server/src/createServer.ts';
import { createLogger } from '../../../sync-server/src/log/logger.ts';
import { addMember } from '../../../sync-server/src/workspaces/workspaceTestSupport.ts';
import { freePort } from '../../support/freePort.ts';

/**
 * Support for the desk's browser tests: the real server serving the built web app on a
 * port chosen up front (so PUBLIC_URL and the browser's Origin agree), two members of one
 * workspace created through the sign-up and invitation APIs, and a browser context per
 * member carrying that member's session cookie.
 */
export const webBuilt = fs.existsSync(
  path.resolve(import.meta.dirname, '../../../web/build/index.html'),
);

export interface DeskWorld {
  readonly base: string;
  readonly slug: string;
  readonly t: AuthTestServer;
  readonly owner: { client: TestClient; userId: string; name: string };
  readonly agent: { client: TestClient; userId: string; name: string };
  close(): Promise<void>;
}

export async function startDeskWorld(): Promise<DeskWorld> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-browser-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    PUBLIC_URL: base,
    LOG_LEVEL: 'silent',
    SNAPSHOT_INTERVAL_MINUTES: '0',
    BACKUP_INTERVAL_HOURS: '0',
  });
  const server: RunningServer = await createServer(config, createLogger('silent'));
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      this.now += ms;
    },
  };
  const t: AuthTestServer = {
    server,
    clock,
    client: () => new TestClient(base, base),
    close: async () => {
      await server.sync.closeAll();
      await server.stop();
    },
  };
  const owner = await signUp(t, { displayName: 'Ana Owner' });
  const agent = await addMember(t, owner.client, owner.slug, 'bo.agent@example.com');
  return {
    base,
    slug: owner.slug,
    t,
    owner: { client: owner.client, userId: owner.userId, name: 'Ana Owner' },
    agent: { client: agent.client, userId: agent.userId, name: 'bo.agent' },
    close: async () => {
      await t.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A browser context logged in as the member whose TestClient holds a session. */
export async function contextFor(
  browser: Browser,
  world: DeskWorld,
  client: TestClient,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
  if (!client.sessionToken) throw new Error('the client has no session');
  await context.addCookies([
    { name: SESSION_COOKIE, value: client.sessionToken, url: world.base, httpOnly: true },
  ]);
  const page = await context.newPage();
  return { context, page };
}
