import {
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  TICKET_TYPES,
  type Requester,
  type TicketPriority,
  type TicketStatus,
  type TicketType,
} from '../schema/fields.ts';
import {
  readBoolean,
  readNullableNumber,
  readNullableString,
  readNumber,
  readOneOf,
  readString,
  readStringArray,
  type FieldReader,
} from '../schema/read.ts';

/** The small fields of one ticket, as the index holds them (a plain, immutable snapshot). */
export interface TicketRecord {
  readonly id: string;
  /** The human number (#123); null while the ticket waits for one (created offline). */
  readonly number: number | null;
  /** Shown instead of the number while it is pending, e.g. "P-7F2Q". */
  readonly provisionalNumber: string;
  readonly title: string;
  readonly status: TicketStatus;
  readonly priority: TicketPriority;
  readonly type: TicketType;
  readonly assigneeId: string | null;
  readonly requester: Requester | null;
  readonly tags: readonly string[];
  /** A calendar day, YYYY-MM-DD. */
  readonly dueDate: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly createdBy: string;
  /** Soft delete: the ticket is in the trash and can be restored. */
  readonly deleted: boolean;
  /** How many comments the ticket has (shown in the list without loading the ticket doc). */
  readonly commentCount: number;
}

/** The editable fields and their types. */
export interface TicketFields {
  title: string;
  status: TicketStatus;
  priority: TicketPriority;
  type: TicketType;
  assigneeId: string | null;
  requester: Requester | null;
  tags: string[];
  dueDate: string | null;
}

export type TicketField = keyof TicketFields;
export const TICKET_FIELDS: readonly TicketField[] = [
  'title',
  'status',
  'priority',
  'type',
  'assigneeId',
  'requester',
  'tags',
  'dueDate',
];

export function provisionalNumberFor(ticketId: string): string {
  return `P-${ticketId.slice(0, 4).toUpperCase()}`;
}

/**
 * The stored fields of a ticket, as plain JSON: what `<ws>:index` holds in a Y.Map per
 * ticket and what an archive shard holds as one plain value.
 */
export type StoredTicket = Omit<TicketRecord, 'id' | 'provisionalNumber'>;

/** The record's stored fields, in a fixed key order (so copies made on two devices are equal). */
export function storedTicketOf(record: TicketRecord): StoredTicket {
  return {
    number: record.number,
    title: record.title,
    status: record.status,
    priority: record.priority,
    type: record.type,
    assigneeId: record.assigneeId,
    requester: record.requester,
    tags: [...record.tags],
    dueDate: record.dueDate,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    createdBy: record.createdBy,
    deleted: record.deleted,
    commentCount: record.commentCount,
  };
}

export function readTicket(id: string, map: FieldReader): TicketRecord {
  const requester = map.get('requester');
  return {
    id,
    number: readNullableNumber(map, 'number'),
    provisionalNumber: provisionalNumberFor(id),
    title: readString(map, 'title', '(untitled)'),
    status: readOneOf(map, 'status', TICKET_STATUSES, 'new'),
    priority: readOneOf(map, 'priority', TICKET_PRIORITIES, 'normal'),
    type: readOneOf(map, 'type', TICKET_TYPES, 'question'),
    assigneeId: readNullableString(map, 'assigneeId'),
    requester:
      requester && typeof requester === 'object'
        ? {
            name: String((requester as Requester).name ?? ''),
            email: String((requester as Requester).email ?? ''),
          }
        : null,
    tags: readStringArray(map, 'tags'),
    dueDate: readNullableString(map, 'dueDate'),
    createdAt: readNumber(map, 'createdAt'),
    updatedAt: readNumber(map, 'updatedAt'),
    createdBy: readString(map, 'createdBy'),
    deleted: readBoolean(map, 'deleted'),
    commentCount: readNumber(map, 'commentCount'),
  };
}

/** "#123" or "P-7F2Q (pending)". */
export function ticketLabel(ticket: Pick<TicketRecord, 'number' | 'provisionalNumber'>): string {
  return ticket.number === null ? ticket.provisionalNumber : `#${ticket.number}`;
}
