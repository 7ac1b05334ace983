import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { createServer, type RunningServer } from '../createServer.ts';
import { createLogger } from '../log/logger.ts';
import {
  signUp,
  TEST_PUBLIC_URL,
  TestClient,
  type AuthTestServer,
  type TestClock,
} from '../testing/authTestServer.ts';
import { SupportAuditAction } from './SupportGrants.ts';

const HOUR = 60 * 60 * 1000;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-support-restart-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const clock: TestClock = {
  now: Date.parse('2026-11-27T12:00:00Z'),
  advance(ms) {
    this.now += ms;
  },
};

/** A whole server on one data folder and one clock: stopping and starting it is a restart. */
async function start(): Promise<AuthTestServer> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    PUBLIC_URL: TEST_PUBLIC_URL,
    WEB_DIR: path.join(dataDir, 'no-web'),
    LOG_LEVEL: 'silent',
    SNAPSHOT_INTERVAL_MINUTES: '0',
    BACKUP_INTERVAL_HOURS: '0',
  });
  fs.mkdirSync(config.WEB_DIR, { recursive: true });
  const server: RunningServer = await createServer(config, createLogger('silent'), {
    now: () => clock.now,
  });
  return {
    server,
    clock,
    client: () => new TestClient(server.url, TEST_PUBLIC_URL),
    close: () => server.stop(),
  };
}

describe('a support grant that runs out while the server is down', () => {
  it('is refused after the restart and gets its expiry entry when the server starts', async () => {
    const first = await start();
    const owner = await signUp(first);
    const grant = await first.server.services.support.create({
      workspaceId: owner.workspaceId,
      grantedBy: owner.userId,
      reason: 'Look at the import',
      access: 'read',
      durationMs: HOUR,
    });
    await first.close();

    clock.advance(2 * HOUR);
    const second = await start();
    try {
      const { services } = second.server;
      // Starting the server noticed it (installSupport checks at start), before any request.
      const expired = services.audit
        .list({ workspaceId: owner.workspaceId })
        .filter((e) => e.action === SupportAuditAction.expired);
      expect(expired).toEqual([
        expect.objectContaining({ targetId: grant.id, actorKind: 'system' }),
      ]);
      const { supportGrants } = services.control;
      expect((await supportGrants.get(owner.workspaceId, grant.id))?.status).toBe('expired');
      expect(await supportGrants.active()).toEqual([]);
      expect(await supportGrants.nextExpiry()).toBeNull();
    } finally {
      await second.close();
    }
  });
});
