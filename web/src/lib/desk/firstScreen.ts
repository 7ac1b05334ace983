import { DEFAULT_QUERY, normalizeQuery, type TicketQuery, type TicketRecord } from '@desk/model';
import type { FirstPageRow } from '@desk/protocol';
import { openDatabase, request, transactionDone } from '$lib/offline/idb.ts';
import { firstScreenDbName } from '$lib/offline/localKeys.ts';

/**
 * The first screen of ticket rows before the workspace index is decoded (issue 15). The
 * hot index is ~24 Yjs structs a ticket: at 5,000 hot tickets it takes seconds to apply,
 * on a reload from the local copy as on a new device's first sync, and no row could show
 * before. So the list paints rows it already knows, as the same `TicketRow`s in the same
 * place, and the live rows replace them (same ids, same order) once the index is there:
 *   - reload: the rows this device rendered last time for this workspace and query, kept
 *     in IndexedDB (`firstScreenDbName`, one entry per workspace + query);
 *   - new device: the server's first page of the default list (`fetchFirstPage`).
 * The rows are for looking at, not acting on (the page holds them inert): an action needs
 * the ticket's row in the index.
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

/** Rows kept: more than the tallest screen shows at 44 px a row. */
export const FIRST_SCREEN_ROWS = 40;

const STORE = 'screens';

/** The list's query as this tab left it (sessionStorage; TicketListState keeps it there). */
export function listQueryOf(workspaceId: string): TicketQuery {
  try {
    const stored = sessionStorage.getItem(listQueryStorageKey(workspaceId));
    return stored ? normalizeQuery(JSON.parse(stored)) : DEFAULT_QUERY;
  } catch {
    return DEFAULT_QUERY; // storage refused or unreadable: the default list
  }
}

export function listQueryStorageKey(workspaceId: string): string {
  return `desk:query:${workspaceId}`;
}

/** One list: the same filters and sort give the same key. */
export function listQueryKey(query: TicketQuery): string {
  return JSON.stringify(normalizeQuery(query));
}

export const DEFAULT_QUERY_KEY = listQueryKey(DEFAULT_QUERY);

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

/** The list's columns of a live row, as kept for the next start. */
export function firstPageRowOf(record: TicketRecord): FirstPageRow {
  return {
    id: record.id,
    number: record.number,
    provisionalNumber: record.provisionalNumber,
    title: record.title,
    status: record.status,
    priority: record.priority,
    assigneeId: record.assigneeId,
    tags: [...record.tags],
    updatedAt: record.updatedAt,
  };
}

/** A row to render with `TicketRow`; the fields the list does not show are defaults. */
export function recordOfFirstPageRow(row: FirstPageRow): TicketRecord {
  return {
    ...row,
    type: 'question',
    requester: null,
    dueDate: null,
    createdAt: row.updatedAt,
    createdBy: '',
    deleted: false,
    commentCount: 0,
  };
}

/** Resolves after the browser painted what is on screen now (before a long task starts). */
export function afterNextPaint(): Promise<void> {
  if (typeof requestAnimationFrame === 'undefined') return Promise.resolve();
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}
