import { DEFAULT_QUERY, normalizeQuery, type TicketQuery, type TicketRecord } from '@desk/model';
import type { FirstPageRow } from '@desk/protocol';

export {
  readFirstScreen,
  writeFirstScreen,
  type FirstScreen,
} from '$lib/offline/firstScreenStore.ts';

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

/** Rows kept: more than the tallest screen shows at 44 px a row. */
export const FIRST_SCREEN_ROWS = 40;

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
