import { describeLocalStoreContract } from './localStoreContract.ts';
import { MemoryStore } from './MemoryStore.ts';

// One instance is the storage: tests share it between two clients to simulate a reload.
describeLocalStoreContract('MemoryStore', () => {
  const store = new MemoryStore();
  return {
    open: () => store,
    failWrites: (cause) => store.failWrites(cause),
    dispose: () => store.close(),
  };
});
