/**
 * REST contract of workspace snapshots (`/api/workspaces/:slug/snapshots…`), shared by the
 * server routes and the web UI. Snapshot restore is a forward change of content; it has
 * nothing to do with the operator's disaster restore of the whole database.
 */

export const SnapshotTriggers = ['schedule', 'manual', 'pre_restore'] as const;
export type SnapshotTriggerName = (typeof SnapshotTriggers)[number];

export interface SnapshotSummary {
  id: string;
  createdAt: number;
  trigger: SnapshotTriggerName;
  author: { id: string; name: string } | null;
  label: string | null;
  docCount: number;
  /** Uncompressed bytes of every document state in the snapshot. */
  totalBytes: number;
  /** Stored bytes this snapshot added (documents unchanged since an earlier one cost 0). */
  addedBytes: number;
  /**
   * Pre-restore snapshots: what was about to be restored, and whether that restore can be
   * undone (`POST …/:id/undo`: only what it changed, where nobody changed it since).
   */
  restoreOf: {
    snapshotId: string;
    scope: RestoreScopeName;
    /** False for restores made before undo records were kept, and once undone. */
    undoable: boolean;
    undoneAt: number | null;
  } | null;
}

export type RestoreScopeName = 'workspace' | `ticket:${string}` | `notice:${string}`;

export interface SnapshotListResponse {
  snapshots: SnapshotSummary[];
}

export interface CreateSnapshotRequest {
  label?: string;
}

export type RestoreRequest =
  | { scope: 'workspace' }
  | { scope: 'ticket'; ticketId: string }
  | { scope: 'notice'; noticeId: string };

export interface RestoreResponse {
  /** The snapshot taken just before; `POST …/snapshots/:id/undo` with it undoes the restore. */
  preRestoreSnapshotId: string;
  /** Documents that received a forward change. */
  changedDocs: number;
}

/** Why an undo left something as it is. */
export const UndoLeftAloneReasons = ['changed_since_restore'] as const;
export type UndoLeftAloneReason = (typeof UndoLeftAloneReasons)[number];

/** A ticket, notice or other part of the workspace an undo put back or left alone. */
export interface UndoEntry {
  kind: 'ticket' | 'notice' | 'channel' | 'other';
  id: string;
  number: number | null;
  title: string | null;
  /**
   * Which parts: index fields (`status`, `title`, …), `entry` (the whole entry: the restore
   * added or removed it), or parts of its own document (`description`, `comments`, `body`).
   */
  parts: string[];
}

export interface UndoRestoreResponse {
  restoreOf: { snapshotId: string; scope: RestoreScopeName };
  /** Put back as it was just before the restore. */
  undone: UndoEntry[];
  /** Changed by someone after the restore: their later edit stays. */
  leftAlone: (UndoEntry & { reason: UndoLeftAloneReason })[];
}

export interface SnapshotTicketSummary {
  id: string;
  number: number | null;
  title: string;
  status: string;
  deleted: boolean;
}

export interface SnapshotNoticeSummary {
  id: string;
  title: string;
  deleted: boolean;
}

export interface SnapshotContentsResponse {
  snapshot: SnapshotSummary;
  tickets: SnapshotTicketSummary[];
  notices: SnapshotNoticeSummary[];
}

export interface ChangedEntry<T> {
  /** As in the snapshot. */
  before: T;
  /** As today. */
  after: T;
  /** Index fields that differ (title, status, deleted, …). */
  fields: string[];
  /** The ticket's or notice's own document (description, comments, body) differs. */
  contentChanged: boolean;
}

export interface EntryDiff<T> {
  /** In today's workspace, not in the snapshot. */
  added: T[];
  /** In the snapshot, not today (deleted for good since). */
  removed: T[];
  changed: ChangedEntry<T>[];
}

export interface SnapshotDiffResponse {
  snapshot: SnapshotSummary;
  tickets: EntryDiff<SnapshotTicketSummary>;
  notices: EntryDiff<SnapshotNoticeSummary>;
}

/** Rich text as it was, for a read-only render (ProseMirror node and mark names). */
export type RichNode =
  | { type: 'element'; name: string; attrs: Record<string, string>; children: RichNode[] }
  | { type: 'text'; runs: { text: string; marks: Record<string, unknown> }[] };

export interface SnapshotComment {
  id: string;
  kind: string;
  authorName: string;
  body: string;
  createdAt: number;
  deleted: boolean;
}

export interface SnapshotTicketResponse {
  snapshot: SnapshotSummary;
  /** The ticket's index fields as stored (title, status, priority, tags, …). */
  fields: Record<string, unknown>;
  description: RichNode[];
  comments: SnapshotComment[];
  attachments: { id: string; name: string }[];
}

export interface SnapshotNoticeResponse {
  snapshot: SnapshotSummary;
  fields: Record<string, unknown>;
  body: RichNode[];
}
