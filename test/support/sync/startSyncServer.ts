import { Writable } from 'node:stream';
import { loadConfig } from '../../../sync-server/src/config/config.ts';
import { createServer, type RunningServer } from '../../../sync-server/src/createServer.ts';
import { createLogger } from '../../../sync-server/src/log/logger.ts';
import {
  StaticSyncAuth,
  type StaticUser,
} from '../../../sync-server/src/testing/StaticSyncAuth.ts';
import type { SyncLimits } from '../../../sync-server/src/sync/SyncLimits.ts';
import { serverBackendParts } from '../../../sync-server/src/testing/testServerBackend.ts';
import { makeTempDir } from '../tempDir.ts';

export const PUBLIC_URL = 'http://desk.test';

export interface SyncTestServer {
  readonly server: RunningServer;
  readonly auth: StaticSyncAuth;
  readonly url: string;
  readonly dir: string;
  /** Every log record the server wrote. */
  readonly logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/**
 * The real server (createServer) on port 0 with a real SQLite file in a temp dir, and a
 * StaticSyncAuth in place of accounts so a test can name users and grants directly.
 */
export async function startSyncServer(
  users: Record<string, StaticUser>,
  limits: Partial<SyncLimits> = {},
  dir?: string,
  /** The server's clock (rate limits read it), when a test steps it. */
  options: { now?: () => number } = {},
): Promise<SyncTestServer> {
  const temp = dir === undefined ? makeTempDir('desk-sync-') : null;
  const dataDir = dir ?? temp!.dir;
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) {
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  // TEST_SERVER_BACKEND=postgres: a database and a Redis prefix of its own, the same one
  // again when a test restarts the server on its directory (testServerBackend.ts).
  const backend = await serverBackendParts(dataDir);
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    PUBLIC_URL,
    LOG_LEVEL: 'info',
    ...backend.env,
  });
  const auth = new StaticSyncAuth(users, PUBLIC_URL);
  const server = await createServer(config, createLogger('info', sink), {
    sync: { auth, limits },
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    server,
    auth,
    url: server.url,
    dir: dataDir,
    logs,
    async stop() {
      await server.stop();
      if (temp) {
        await backend.release();
        temp.remove();
      }
    },
  };
}
