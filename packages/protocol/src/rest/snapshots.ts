/**
 * REST bodies of workspace snapshots (`/api/workspaces/:slug/snapshots…`), shared by the
 * server routes and the web UI. Snapshot restore is a forward change of content; it has
 * nothing to do with the operator's disaster restore of the whole database.
 */
import { z } from 'zod';
import { SnapshotTriggers, UndoLeftAloneReasons } from '../snapshots.ts';
import { Millis } from './common.ts';

export const RestoreScopeName = z.union([
  z.literal('workspace'),
  z.templateLiteral(['ticket:', z.string()]),
  z.templateLiteral(['notice:', z.string()]),
]);
export type RestoreScopeName = z.infer<typeof RestoreScopeName>;

export const SnapshotSummary = z.strictObject({
  id: z.string(),
  createdAt: Millis,
  trigger: z.enum(SnapshotTriggers),
  author: z.strictObject({ id: z.string(), name: z.string() }).nullable(),
  label: z.string().nullable(),
  docCount: z.number().int(),
  /** Uncompressed bytes of every document state in the snapshot. */
  totalBytes: z.number().int(),
  /** Stored bytes this snapshot added (documents unchanged since an earlier one cost 0). */
  addedBytes: z.number().int(),
  /**
   * Pre-restore snapshots: what was about to be restored, and whether that restore can be
   * undone (`POST …/:id/undo`: only what it changed, where nobody changed it since).
   */
  restoreOf: z
    .strictObject({
      snapshotId: z.string(),
      scope: RestoreScopeName,
      /** False for restores made before undo records were kept, and once undone. */
      undoable: z.boolean(),
      undoneAt: Millis.nullable(),
    })
    .nullable(),
});
export type SnapshotSummary = z.infer<typeof SnapshotSummary>;

export const SnapshotListResponse = z.strictObject({ snapshots: z.array(SnapshotSummary) });
export type SnapshotListResponse = z.infer<typeof SnapshotListResponse>;

export const CreateSnapshotRequest = z.object({
  label: z.string().trim().max(120, 'At most 120 characters.').optional(),
});
export type CreateSnapshotRequest = z.input<typeof CreateSnapshotRequest>;

export const CreateSnapshotResponse = z.strictObject({ snapshot: SnapshotSummary });
export type CreateSnapshotResponse = z.infer<typeof CreateSnapshotResponse>;

const entityId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Not a valid id.');

export const RestoreRequest = z.discriminatedUnion('scope', [
  z.object({ scope: z.literal('workspace') }),
  z.object({ scope: z.literal('ticket'), ticketId: entityId }),
  z.object({ scope: z.literal('notice'), noticeId: entityId }),
]);
export type RestoreRequest = z.input<typeof RestoreRequest>;

export const RestoreResponse = z.strictObject({
  /** The snapshot taken just before; `POST …/snapshots/:id/undo` with it undoes the restore. */
  preRestoreSnapshotId: z.string(),
  /** Documents that received a forward change. */
  changedDocs: z.number().int(),
});
export type RestoreResponse = z.infer<typeof RestoreResponse>;

/** A ticket, notice or other part of the workspace an undo put back or left alone. */
export const UndoEntry = z.strictObject({
  kind: z.enum(['ticket', 'notice', 'channel', 'other']),
  id: z.string(),
  number: z.number().int().nullable(),
  title: z.string().nullable(),
  /**
   * Which parts: index fields (`status`, `title`, …), `entry` (the whole entry: the restore
   * added or removed it), or parts of its own document (`description`, `comments`, `body`).
   */
  parts: z.array(z.string()),
});
export type UndoEntry = z.infer<typeof UndoEntry>;

export const UndoRestoreResponse = z.strictObject({
  restoreOf: z.strictObject({ snapshotId: z.string(), scope: RestoreScopeName }),
  /** Put back as it was just before the restore. */
  undone: z.array(UndoEntry),
  /** Changed by someone after the restore: their later edit stays. */
  leftAlone: z.array(UndoEntry.extend({ reason: z.enum(UndoLeftAloneReasons) })),
});
export type UndoRestoreResponse = z.infer<typeof UndoRestoreResponse>;

export const SnapshotTicketSummary = z.strictObject({
  id: z.string(),
  number: z.number().int().nullable(),
  title: z.string(),
  status: z.string(),
  deleted: z.boolean(),
});
export type SnapshotTicketSummary = z.infer<typeof SnapshotTicketSummary>;

export const SnapshotNoticeSummary = z.strictObject({
  id: z.string(),
  title: z.string(),
  deleted: z.boolean(),
});
export type SnapshotNoticeSummary = z.infer<typeof SnapshotNoticeSummary>;

export const SnapshotContentsResponse = z.strictObject({
  snapshot: SnapshotSummary,
  tickets: z.array(SnapshotTicketSummary),
  notices: z.array(SnapshotNoticeSummary),
});
export type SnapshotContentsResponse = z.infer<typeof SnapshotContentsResponse>;

/** How one ticket or notice differs between a snapshot and today. */
const changedEntry = <T extends z.ZodType>(entry: T) =>
  z.strictObject({
    /** As in the snapshot. */
    before: entry,
    /** As today. */
    after: entry,
    /** Index fields that differ (title, status, deleted, …). */
    fields: z.array(z.string()),
    /** The ticket's or notice's own document (description, comments, body) differs. */
    contentChanged: z.boolean(),
  });

const entryDiff = <T extends z.ZodType>(entry: T) =>
  z.strictObject({
    /** In today's workspace, not in the snapshot. */
    added: z.array(entry),
    /** In the snapshot, not today (deleted for good since). */
    removed: z.array(entry),
    changed: z.array(changedEntry(entry)),
  });

export const TicketDiff = entryDiff(SnapshotTicketSummary);
export const NoticeDiff = entryDiff(SnapshotNoticeSummary);

export interface ChangedEntry<T> {
  before: T;
  after: T;
  fields: string[];
  contentChanged: boolean;
}
export interface EntryDiff<T> {
  added: T[];
  removed: T[];
  changed: ChangedEntry<T>[];
}

export const SnapshotDiffResponse = z.strictObject({
  snapshot: SnapshotSummary,
  tickets: TicketDiff,
  notices: NoticeDiff,
});
export type SnapshotDiffResponse = z.infer<typeof SnapshotDiffResponse>;

/** Rich text as it was, for a read-only render (ProseMirror node and mark names). */
export type RichNode =
  | { type: 'element'; name: string; attrs: Record<string, string>; children: RichNode[] }
  | { type: 'text'; runs: { text: string; marks: Record<string, unknown> }[] };

export const RichNode: z.ZodType<RichNode> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('element'),
      name: z.string(),
      attrs: z.record(z.string(), z.string()),
      children: z.array(RichNode),
    }),
    z.strictObject({
      type: z.literal('text'),
      runs: z.array(z.strictObject({ text: z.string(), marks: z.record(z.string(), z.unknown()) })),
    }),
  ]),
);

export const SnapshotComment = z.strictObject({
  id: z.string(),
  kind: z.string(),
  authorName: z.string(),
  body: z.string(),
  createdAt: Millis,
  deleted: z.boolean(),
});
export type SnapshotComment = z.infer<typeof SnapshotComment>;

export const SnapshotTicketResponse = z.strictObject({
  snapshot: SnapshotSummary,
  /** The ticket's index fields as stored (title, status, priority, tags, …). */
  fields: z.record(z.string(), z.unknown()),
  description: z.array(RichNode),
  comments: z.array(SnapshotComment),
  attachments: z.array(z.strictObject({ id: z.string(), name: z.string() })),
});
export type SnapshotTicketResponse = z.infer<typeof SnapshotTicketResponse>;

export const SnapshotNoticeResponse = z.strictObject({
  snapshot: SnapshotSummary,
  fields: z.record(z.string(), z.unknown()),
  body: z.array(RichNode),
});
export type SnapshotNoticeResponse = z.infer<typeof SnapshotNoticeResponse>;
