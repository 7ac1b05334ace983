import type { FirstPageRow } from '@desk/protocol';
import { openDatabase, request, transactionDone } from './idb.ts';
import { firstScreenDbName } from './localKeys.ts';

/**
 * Where this device keeps the first screen of a list's rows between starts (issue 15;
 * `$lib/desk/firstScreen.ts` says why). It lives beside the rest of the local copy, so
 * forgetting a workspace (`forget.ts`) deletes it with everything else.
 */
export interface FirstScreen {
  /** Which list they are the first rows of (`listQueryKey`). */
  readonly queryKey: string;
  readonly rows: readonly FirstPageRow[];
  /** The count shown beside the heading then ("120" or "40 of 5,102"). */
  readonly countText: string;
  /**
   * Pixels between the heading and the column headings then (views and filter bars, notices):
   * drawn as that much space, so the rows sit where the live list will put them.
   */
  readonly barsPx?: number;
}

const STORE = 'screens';

export async function readFirstScreen(
  userId: string,
  workspaceId: string,
  queryKey: string,
): Promise<FirstScreen | null> {
  const db = await openDatabase(firstScreenDbName(userId), [STORE]);
  try {
    const value: unknown = await request(
      db.transaction(STORE, 'readonly').objectStore(STORE).get(entryKey(workspaceId, queryKey)),
    );
    return isFirstScreen(value) && value.queryKey === queryKey ? value : null;
  } finally {
    db.close();
  }
}

export async function writeFirstScreen(
  userId: string,
  workspaceId: string,
  screen: FirstScreen,
): Promise<void> {
  const db = await openDatabase(firstScreenDbName(userId), [STORE]);
  try {
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(screen, entryKey(workspaceId, screen.queryKey));
    await transactionDone(tx);
  } finally {
    db.close();
  }
}

/** Keys start with the workspace id, so a removal from the workspace deletes its entries. */
function entryKey(workspaceId: string, queryKey: string): string {
  return `${workspaceId}:${queryKey}`;
}

function isFirstScreen(value: unknown): value is FirstScreen {
  const v = value as Partial<FirstScreen> | null;
  return (
    !!v &&
    typeof v.queryKey === 'string' &&
    typeof v.countText === 'string' &&
    Array.isArray(v.rows)
  );
}
