import type {
  AttachmentRef,
  CommentRecord,
  LinkInfo,
  MessageRecord,
  TicketRecord,
} from '@desk/model';
import type { ArchiveTicket } from '@desk/protocol/rest';
import type { RenderedDoc, RenderedRichText } from './exportOps.ts';
import { attachmentFileOf } from './ExportFiles.ts';

type TicketContent = Extract<RenderedDoc, { kind: 'ticket' }>;

const emptyText: RenderedRichText = { json: { type: 'doc', content: [] }, text: '', html: '' };

const attachment = (ref: AttachmentRef) => ({
  id: ref.id,
  sha256: ref.sha256,
  name: ref.name,
  type: ref.type,
  size: ref.size,
  uploadedBy: ref.uploadedBy,
  uploadedAt: ref.uploadedAt,
  file: attachmentFileOf(ref.sha256),
});

const link = (l: LinkInfo) => ({
  url: l.url,
  host: l.host,
  provider: l.provider,
  providerName: l.providerName,
  label: l.label,
});

const comment = (c: CommentRecord & { links: LinkInfo[] }) => ({
  id: c.id,
  kind: c.kind,
  authorId: c.authorId,
  authorName: c.authorName,
  body: c.body,
  createdAt: c.createdAt,
  editedAt: c.editedAt,
  deleted: c.deleted,
  history: c.history.map((v) => ({ ...v })),
  mentions: [...c.mentions],
  attachments: c.attachments.map(attachment),
  links: c.links.map(link),
});

/**
 * A ticket as the export's `tickets.json` holds it: the index (or archive) fields, the
 * description three ways, every comment and internal note, attachments, activity, and the
 * link cards of its thread.
 */
export function archiveTicket(
  record: TicketRecord,
  location: string,
  content: TicketContent | null,
  yjsFile: string | null,
): ArchiveTicket {
  const comments = content?.comments.map(comment) ?? [];
  return {
    id: record.id,
    number: record.number,
    title: record.title,
    status: record.status,
    priority: record.priority,
    type: record.type,
    assigneeId: record.assigneeId,
    requester: record.requester ? { ...record.requester } : null,
    tags: [...record.tags],
    dueDate: record.dueDate,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    createdBy: record.createdBy,
    deleted: record.deleted,
    commentCount: record.commentCount,
    location,
    description: content?.description ?? emptyText,
    comments,
    attachments: content?.attachments.map(attachment) ?? [],
    activity: (content?.activity ?? []).map((a) => ({ ...a })),
    links: comments.flatMap((c) => c.links),
    yjsFile,
  };
}

export function archiveMessage(m: MessageRecord & { links: LinkInfo[] }) {
  return {
    id: m.id,
    authorId: m.authorId,
    authorName: m.authorName,
    body: m.body,
    mentions: [...m.mentions],
    attachments: m.attachments.map(attachment),
    links: m.links.map(link),
    createdAt: m.createdAt,
    editedAt: m.editedAt,
    deleted: m.deleted,
  };
}

export const TICKET_CSV_COLUMNS = [
  'id',
  'number',
  'title',
  'status',
  'priority',
  'type',
  'assignee_id',
  'requester_name',
  'requester_email',
  'tags',
  'due_date',
  'created_at',
  'updated_at',
  'created_by',
  'deleted',
  'comment_count',
  'location',
  'description',
] as const;

/** One CSV line (RFC 4180, CRLF) of a ticket, for spreadsheets. */
export function ticketCsvRow(t: ArchiveTicket): string {
  return csvLine([
    t.id,
    t.number === null ? '' : String(t.number),
    t.title,
    t.status,
    t.priority,
    t.type,
    t.assigneeId ?? '',
    t.requester?.name ?? '',
    t.requester?.email ?? '',
    t.tags.join('; '),
    t.dueDate ?? '',
    new Date(t.createdAt).toISOString(),
    new Date(t.updatedAt).toISOString(),
    t.createdBy,
    t.deleted ? 'true' : 'false',
    String(t.commentCount),
    t.location,
    t.description.text,
  ]);
}

export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/**
 * A quoted cell. A text starting with `=`, `+`, `-`, `@` (or a tab/CR) would run as a
 * formula when the file is opened in a spreadsheet, so it gets a leading `'` (OWASP CSV
 * injection); numbers written by the export itself never start that way.
 */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}
