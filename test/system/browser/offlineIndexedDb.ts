import type { Page } from 'playwright-core';

/**
 * What a page of the offline browser tests keeps in IndexedDB, read from inside the page:
 * the database names, and which docs a user's replica could open offline.
 */

/** The app's IndexedDB database names in the page's origin. */
export async function databaseNames(page: Page): Promise<string[]> {
  return page.evaluate(async () =>
    (await indexedDB.databases()).flatMap((db) => (db.name ? [db.name] : [])),
  );
}

/**
 * Doc ids with content in a user's replica (the client's one update log, `<prefix>updates`),
 * read straight from IndexedDB: what the page could open offline.
 */
export async function storedDocIds(page: Page, userId: string): Promise<string[]> {
  return page.evaluate(async (name) => {
    if (!(await indexedDB.databases()).some((db) => db.name === name)) return [];
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(name);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error ?? new Error(`cannot open ${name}`));
    });
    try {
      const index = db.transaction('updates', 'readonly').objectStore('updates').index('docId');
      const ids: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const cursor = index.openKeyCursor(null, 'nextunique');
        cursor.onsuccess = () => {
          if (!cursor.result) return resolve();
          ids.push(String(cursor.result.key));
          cursor.result.continue();
        };
        cursor.onerror = () => reject(cursor.error ?? new Error('cursor failed'));
      });
      return ids;
    } finally {
      db.close();
    }
  }, `desk:u:${userId}:updates`);
}
