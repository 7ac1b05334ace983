import { WebSocket } from 'ws';
import { MemoryStore } from '../store/MemoryStore.ts';
import { SyncClient } from '../SyncClient.ts';

/**
 * A SyncClient on a real server's `/sync` as the limit tests meet it: Node's `ws`, an
 * in-memory replica, quick reconnects, and docs unsubscribed as soon as they are released
 * (so a test sees the server's answers, not the client's grace period).
 */
export function realServerClient(
  serverUrl: string,
  token: string,
  store: MemoryStore = new MemoryStore(),
): SyncClient {
  return new SyncClient({
    url: () => `${serverUrl.replace(/^http/, 'ws')}/sync?token=${token}`,
    WebSocket,
    store,
    backoff: { baseMs: 50, maxMs: 200, minMs: 10 },
    releaseGraceMs: 0,
  });
}
