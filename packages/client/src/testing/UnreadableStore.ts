import type { DocBinding } from '../store/LocalStore.ts';
import { LocalStoreError, LocalStoreErrorCode } from '../store/LocalStoreError.ts';
import { MemoryStore } from '../store/MemoryStore.ts';

/**
 * A store whose docs cannot be read, as after the browser closed its database: every bind
 * fails to load with `load_failed`. Shared by the unit test of LocalSaveTracker and the
 * SyncClient test that shows the failure in words and still syncs from the server.
 */
export class UnreadableStore extends MemoryStore {
  override bind(docId: string): DocBinding {
    const cause = new DOMException('closed', 'InvalidStateError');
    const whenLoaded = Promise.reject(
      new LocalStoreError(LocalStoreErrorCode.loadFailed, docId, cause),
    );
    whenLoaded.catch(() => undefined);
    return {
      whenLoaded,
      origin: this,
      onWriteError: () => () => undefined,
      destroy: () => Promise.resolve(),
    };
  }
}
