import {
  PRIORITY_RANK,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  type TicketPriority,
  type TicketStatus,
} from '../schema/fields.ts';
import type { TicketRecord } from '../workspace/TicketRecord.ts';

export const SortField = {
  number: 'number',
  updatedAt: 'updatedAt',
  createdAt: 'createdAt',
  priority: 'priority',
  dueDate: 'dueDate',
  title: 'title',
  status: 'status',
} as const;
export type SortField = (typeof SortField)[keyof typeof SortField];
export const SORT_FIELDS: readonly SortField[] = Object.values(SortField);

/** "any", "mine", "unassigned", or a member's user id. */
export type AssigneeFilter = 'any' | 'mine' | 'unassigned' | (string & {});

/** What a list shows. Plain JSON, so it can be saved as a view. */
export interface TicketQuery {
  statuses: TicketStatus[];
  priorities: TicketPriority[];
  assignee: AssigneeFilter;
  tag: string;
  text: string;
  /** The trash: show deleted tickets instead of live ones. */
  deleted: boolean;
  sort: SortField;
  direction: 'asc' | 'desc';
}

export const DEFAULT_QUERY: TicketQuery = {
  statuses: [],
  priorities: [],
  assignee: 'any',
  tag: '',
  text: '',
  deleted: false,
  sort: 'updatedAt',
  direction: 'desc',
};

/** Brings a stored or typed query to a valid shape (saved views may come from older apps). */
export function normalizeQuery(value: unknown): TicketQuery {
  const raw = (value && typeof value === 'object' ? value : {}) as Partial<TicketQuery>;
  return {
    statuses: Array.isArray(raw.statuses)
      ? raw.statuses.filter((s) => TICKET_STATUSES.includes(s))
      : [],
    priorities: Array.isArray(raw.priorities)
      ? raw.priorities.filter((p) => TICKET_PRIORITIES.includes(p))
      : [],
    assignee: typeof raw.assignee === 'string' && raw.assignee ? raw.assignee : 'any',
    tag: typeof raw.tag === 'string' ? raw.tag.trim().toLowerCase() : '',
    text: typeof raw.text === 'string' ? raw.text : '',
    deleted: raw.deleted === true,
    sort: SORT_FIELDS.includes(raw.sort as SortField) ? (raw.sort as SortField) : 'updatedAt',
    direction: raw.direction === 'asc' ? 'asc' : 'desc',
  };
}

/** A query prepared for matching many records (lower-cased search terms, sets). */
export interface CompiledQuery {
  readonly query: TicketQuery;
  matches(ticket: TicketRecord): boolean;
  compare(a: TicketRecord, b: TicketRecord): number;
}

/**
 * `textMatches`: ids a full-text search (`TicketTextSearch`) found for `query.text`. A row
 * matches the text when its id is among them or its small fields (number, title, tags,
 * requester) hold every term — so typing a number or a title works before, and without,
 * a full-text index. Null: the small fields alone.
 *
 * `withheld`: tickets whose content is not shown (the operator disabled access to it, terms
 * §4): the row shows only its number and the marker, so a text matches them by the number
 * alone — finding one by words of its hidden title or text would tell them.
 */
export function compileQuery(
  query: TicketQuery,
  me: string,
  textMatches: ReadonlySet<string> | null = null,
  withheld: ReadonlySet<string> = NONE_WITHHELD,
): CompiledQuery {
  const statuses = new Set(query.statuses);
  const priorities = new Set(query.priorities);
  const terms = query.text.toLowerCase().split(/\s+/).filter(Boolean);
  const tag = query.tag;
  const sign = query.direction === 'asc' ? 1 : -1;
  const key = sortKey(query.sort);
  return {
    query,
    matches(t) {
      if (t.deleted !== query.deleted) return false;
      if (statuses.size && !statuses.has(t.status)) return false;
      if (priorities.size && !priorities.has(t.priority)) return false;
      if (query.assignee === 'mine' && t.assigneeId !== me) return false;
      if (query.assignee === 'unassigned' && t.assigneeId !== null) return false;
      if (
        query.assignee !== 'any' &&
        query.assignee !== 'mine' &&
        query.assignee !== 'unassigned' &&
        t.assigneeId !== query.assignee
      ) {
        return false;
      }
      if (tag && !t.tags.includes(tag)) return false;
      if (terms.length && withheld.has(t.id)) {
        const haystack = numberHaystack(t);
        for (const term of terms) if (!haystack.includes(term)) return false;
      } else if (terms.length && !textMatches?.has(t.id)) {
        const haystack = searchHaystack(t);
        for (const term of terms) if (!haystack.includes(term)) return false;
      }
      return true;
    },
    compare(a, b) {
      const ka = key(a);
      const kb = key(b);
      // Empty values (no due date) sort last in both directions.
      if (ka === null && kb !== null) return 1;
      if (kb === null && ka !== null) return -1;
      if (ka !== null && kb !== null && ka !== kb) return (ka < kb ? -1 : 1) * sign;
      // Ties break on the id: a total order, so incremental updates can binary-search.
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    },
  };
}

const NONE_WITHHELD: ReadonlySet<string> = new Set();

const haystacks = new WeakMap<TicketRecord, string>();

function numberHaystack(t: TicketRecord): string {
  return (t.number === null ? t.provisionalNumber : `#${t.number} ${t.number}`).toLowerCase();
}

function searchHaystack(t: TicketRecord): string {
  let text = haystacks.get(t);
  if (text === undefined) {
    text = `${numberHaystack(t)} ${t.title} ${t.tags.join(' ')} ${t.requester?.name ?? ''} ${
      t.requester?.email ?? ''
    }`.toLowerCase();
    haystacks.set(t, text);
  }
  return text;
}

const statusRank = new Map(TICKET_STATUSES.map((s, i) => [s, i]));

function sortKey(field: SortField): (t: TicketRecord) => string | number | null {
  switch (field) {
    case 'number':
      return (t) => t.number ?? Number.MAX_SAFE_INTEGER;
    case 'updatedAt':
      return (t) => t.updatedAt;
    case 'createdAt':
      return (t) => t.createdAt;
    case 'priority':
      return (t) => PRIORITY_RANK[t.priority];
    case 'dueDate':
      return (t) => t.dueDate;
    case 'title':
      return (t) => t.title.toLowerCase();
    case 'status':
      return (t) => statusRank.get(t.status) ?? 0;
    default: {
      const exhaustive: never = field;
      throw new Error(`unknown sort field ${String(exhaustive)}`);
    }
  }
}
