/** The little of IndexedDB the store needs, as promises. */

/** Opens (creating or upgrading) a database; `upgrade` runs in the versionchange transaction. */
export function openDatabase(
  name: string,
  version: number,
  upgrade: (db: IDBDatabase, oldVersion: number) => void,
): Promise<IDBDatabase> {
  const open = indexedDB.open(name, version);
  open.onupgradeneeded = (event) => upgrade(open.result, event.oldVersion);
  return request(open);
}

export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/** Resolves when the transaction commits; rejects when it fails or is aborted. */
export function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** Asks the browser to commit now rather than when the transaction goes idle. */
export function commitNow(tx: IDBTransaction): void {
  // `commit` is missing in older engines; they commit on idle, which is only slower.
  (tx as { commit?: () => void }).commit?.();
}

/**
 * Deletes a database. While another connection (another tab) has it open the deletion waits
 * for it; `whenBlocked: 'resolve'` returns then instead, the browser finishing the deletion
 * once that connection closes.
 */
export function deleteDatabase(
  name: string,
  options: { whenBlocked: 'wait' | 'resolve' } = { whenBlocked: 'wait' },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error ?? new Error(`Could not delete ${name}`));
    if (options.whenBlocked === 'resolve') req.onblocked = () => resolve();
  });
}
