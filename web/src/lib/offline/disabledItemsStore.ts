import type { DisabledItemEntry } from '@desk/protocol';
import { openDatabase, request, transactionDone } from './idb.ts';
import { disabledItemsDbName } from './localKeys.ts';

/**
 * Where this device keeps a workspace's list of disabled content (terms §4, issue 17) between
 * starts: the server's last word, so a reload without a connection still hides what the
 * operator disabled. One entry per workspace, beside the rest of the local copy, so
 * forgetting the workspace (`forget.ts`) deletes it too.
 */
export const DISABLED_ITEMS_STORE = 'lists';

export async function readDisabledItems(
  userId: string,
  workspaceId: string,
): Promise<DisabledItemEntry[] | null> {
  const db = await openDatabase(disabledItemsDbName(userId), [DISABLED_ITEMS_STORE]);
  try {
    const value: unknown = await request(
      db
        .transaction(DISABLED_ITEMS_STORE, 'readonly')
        .objectStore(DISABLED_ITEMS_STORE)
        .get(workspaceId),
    );
    return Array.isArray(value) ? value.filter(isDisabledItem) : null;
  } finally {
    db.close();
  }
}

export async function writeDisabledItems(
  userId: string,
  workspaceId: string,
  items: readonly DisabledItemEntry[],
): Promise<void> {
  const db = await openDatabase(disabledItemsDbName(userId), [DISABLED_ITEMS_STORE]);
  try {
    const tx = db.transaction(DISABLED_ITEMS_STORE, 'readwrite');
    // The key and reason only, as plain objects (what the server's list says).
    tx.objectStore(DISABLED_ITEMS_STORE).put(
      items.map(({ itemKey, reason }) => ({ itemKey, reason })),
      workspaceId,
    );
    await transactionDone(tx);
  } finally {
    db.close();
  }
}

function isDisabledItem(value: unknown): value is DisabledItemEntry {
  const v = value as Partial<DisabledItemEntry> | null;
  return !!v && typeof v.itemKey === 'string' && typeof v.reason === 'string';
}
