export { SyncClient } from './SyncClient.ts';
export type { NetworkEvents, ReplicateOptions, SyncClientOptions } from './SyncClient.ts';
export { DocHandle } from './doc/DocHandle.ts';
export type { ReplacedEvent } from './doc/DocReplica.ts';
export { SyncError } from './doc/SyncError.ts';
export { Replication } from './catchup/Replication.ts';
export type { ReplicationProgress } from './catchup/Replication.ts';
export { Backoff } from './connection/Backoff.ts';
export type { BackoffOptions } from './connection/Backoff.ts';
export type { Clock } from './connection/Clock.ts';
export type { WebSocketConstructor, WebSocketLike } from './connection/WebSocketLike.ts';
export type { DocStatus, LocalSave, LocalSaveError, SyncStatus } from './status/SyncStatus.ts';
export { COMPACT_ABOVE_ROWS, IndexedDbStore } from './store/IndexedDbStore.ts';
export type { IndexedDbStoreOptions } from './store/IndexedDbStore.ts';
export { LocalStoreError, LocalStoreErrorCode } from './store/LocalStoreError.ts';
export { MemoryStore } from './store/MemoryStore.ts';
// The promise wrappers the store uses, for the app's own small databases.
export { openDatabase, request, transactionDone } from './store/idbRequests.ts';
export type {
  DocBinding,
  HeldDoc,
  LocalStore,
  RefusedChange,
  WorkspaceMeta,
} from './store/LocalStore.ts';
