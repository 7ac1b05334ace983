import { openDatabase as openVersioned, request, transactionDone } from '@desk/client';

/** The little of IndexedDB this folder needs, as promises (the client package's wrappers). */
export { request, transactionDone };

/** Opens a version-1 database with these object stores (created on first open). */
export function openDatabase(name: string, stores: readonly string[]): Promise<IDBDatabase> {
  return openVersioned(name, 1, (db) => {
    for (const store of stores) db.createObjectStore(store);
  });
}
