import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { MemoryStore, SyncClient } from '@desk/client';
import {
  signUp,
  TEST_PUBLIC_URL,
  TestClient,
  type AuthTestServer,
} from '../../../sync-server/src/testing/authTestServer.ts';
import { loadConfig } from '../../../sync-server/src/config/config.ts';
import { createServer, type RunningServer } from '../../../sync-server/src/createServer.ts';
import { createLogger } from '../../../sync-server/src/log/logger.ts';
import { docContent, stableStringify } from '../../../sync-server/src/snapshots/docContent.ts';
import { serverBackendParts } from '../../../sync-server/src/testing/testServerBackend.ts';

/**
 * The real server (accounts, DeskSyncAuth, snapshots, backups) on port 0 over a data
 * directory the test chooses, so it can be stopped and started again on the same files
 * (and the same port, for clients that keep one URL). With TEST_SERVER_BACKEND=postgres a
 * cluster process on a database of its own, which a restart on the same directory reopens
 * (testServerBackend.ts; the PostgreSQL pass drops it when the pass ends).
 */
export async function startDeskServer(
  dataDir: string,
  port = 0,
  env: Record<string, string> = {},
): Promise<AuthTestServer> {
  const backend = await serverBackendParts(dataDir);
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    PUBLIC_URL: TEST_PUBLIC_URL,
    WEB_DIR: path.join(dataDir, 'no-web'),
    LOG_LEVEL: 'silent',
    SNAPSHOT_INTERVAL_MINUTES: '0',
    BACKUP_INTERVAL_HOURS: '0',
    ...backend.env,
    ...env,
  });
  fs.mkdirSync(config.WEB_DIR, { recursive: true });
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      this.now += ms;
    },
  };
  const server: RunningServer = await createServer(config, createLogger('silent'), {
    now: () => clock.now,
  });
  return {
    server,
    clock,
    client: () => new TestClient(server.url, new URL(TEST_PUBLIC_URL).origin),
    close: async () => {
      // Sockets first: stop() waits for the connections phase, which waits for them.
      await server.sync.closeAll();
      await server.stop();
    },
  };
}

/** An owner with a workspace and a personal access token for the sync endpoints. */
export async function ownerWithToken(t: AuthTestServer) {
  const owner = await signUp(t);
  const res = await owner.client.post<{ token: string }>('/api/auth/tokens', {
    name: 'sync tests',
    workspaceId: owner.workspaceId,
  });
  if (res.status !== 201) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...owner, token: res.body.token };
}

/**
 * A SyncClient whose network the test can cut: `offline()` drops its socket and points it
 * at a closed port, `online()` lets it reconnect. Its MemoryStore keeps everything across.
 */
export class CuttableClient {
  readonly client: SyncClient;
  #online = true;
  readonly #sockets = new Set<WebSocket>();

  constructor(url: () => string, token: string) {
    const sockets = this.#sockets;
    class TrackedWebSocket extends WebSocket {
      constructor(address: string) {
        super(address);
        sockets.add(this);
        this.once('close', () => sockets.delete(this));
      }
    }
    this.client = new SyncClient({
      url: () =>
        this.#online
          ? `${url().replace(/^http/, 'ws')}/sync?token=${token}`
          : 'ws://127.0.0.1:9/sync',
      WebSocket: TrackedWebSocket as never,
      store: new MemoryStore(),
      backoff: { baseMs: 20, maxMs: 100, minMs: 10 },
      releaseGraceMs: 0,
    });
  }

  offline(): void {
    this.#online = false;
    for (const socket of this.#sockets) socket.terminate();
  }

  online(): void {
    this.#online = true;
    this.client.reconnect();
  }
}

export function contentKey(doc: Y.Doc): string {
  return stableStringify(docContent(doc));
}

export function contentOfState(state: Uint8Array): string {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return contentKey(doc);
}

/** The shared wait with a deadline, offered here for the snapshot tests. */
export { until } from '@desk/protocol/testing';
