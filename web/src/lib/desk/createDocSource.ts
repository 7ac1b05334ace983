import { OfflineSync } from '$lib/offline/OfflineSync.ts';
import type { DocSource } from '$lib/offline/DocSource.ts';
import { LocalDocSource } from './LocalDocSource.ts';

/**
 * The sync layer the desk runs on: @desk/client's SyncClient (one socket, IndexedDB replica).
 * Each user gets their own IndexedDB prefix, so two accounts used in one browser never see
 * each other's local copies. Without WebSocket support the desk runs on the local copy only.
 */
export function createDocSource(userId: string): DocSource {
  if (typeof WebSocket === 'undefined') return new LocalDocSource();
  // The offline layer owns the client: background replication, refusals, status bar.
  return new OfflineSync(userId);
}
