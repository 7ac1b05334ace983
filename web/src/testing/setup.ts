// What a browser gives the app and node does not: IndexedDB (fake-indexeddb, a complete
// in-memory implementation) and Web Storage (MemoryStorage). Each test file gets a fresh pair.
import 'fake-indexeddb/auto';
import { MemoryStorage } from './MemoryStorage.ts';

Object.assign(globalThis, {
  localStorage: new MemoryStorage(),
  sessionStorage: new MemoryStorage(),
});
