import * as Y from 'yjs';
import type { Actor } from '../Actor.ts';
import { ModelError, ModelErrorCode } from '../ModelError.ts';
import { newId } from '../newId.ts';
import { validateBody } from '../schema/fields.ts';
import {
  readNullableNumber,
  readNumber,
  readString,
  readStringArray,
  type AnyMap,
} from '../schema/read.ts';
import { ensureSchema, type DocMigration, type SchemaState } from '../schema/SchemaVersion.ts';
import { xmlPlainText } from '../text/xmlPlainText.ts';
import type { FieldChange } from '../workspace/TicketIndex.ts';
import type { ActivityEntry, ActivityKind } from './Activity.ts';
import { isAttachmentRef, type AttachmentRef } from './Attachment.ts';
import {
  readCommentKind,
  validateCommentKind,
  type CommentRecord,
  type CommentVersion,
  type NewComment,
} from './Comment.ts';

export const TICKET_SCHEMA_VERSION = 1;
export const ticketMigrations: readonly DocMigration[] = [
  // 0 → 1: nothing to reshape yet; the step stamps the version so later steps have a base.
  { to: 1, up: () => undefined },
];

/**
 * One ticket's heavy parts (`<ws>:ticket:<id>`):
 *   description — Y.XmlFragment edited by ProseMirror through y-prosemirror
 *   comments    — commentId → Y.Map (kind, author, body, history, …)
 *   attachments — attachmentId → plain AttachmentRef (ticket-level files)
 *   activity    — Y.Array of plain ActivityEntry, append-only
 *   meta        — schemaVersion
 */
export class TicketDoc {
  readonly description: Y.XmlFragment;
  readonly comments: Y.Map<AnyMap>;
  readonly attachments: Y.Map<unknown>;
  readonly activity: Y.Array<ActivityEntry>;

  constructor(readonly doc: Y.Doc) {
    this.description = doc.getXmlFragment('description');
    this.comments = doc.getMap<AnyMap>('comments');
    this.attachments = doc.getMap<unknown>('attachments');
    this.activity = doc.getArray<ActivityEntry>('activity');
  }

  ensureSchema(): SchemaState {
    return ensureSchema(this.doc, TICKET_SCHEMA_VERSION, ticketMigrations);
  }

  /** Oldest first. */
  listComments(): CommentRecord[] {
    const out: CommentRecord[] = [];
    this.comments.forEach((entry, id) => {
      if (entry instanceof Y.Map) out.push(readComment(id, entry));
    });
    return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  getComment(id: string): CommentRecord | null {
    const entry = this.comments.get(id);
    return entry instanceof Y.Map ? readComment(id, entry) : null;
  }

  /**
   * Adds a comment under the client-made id. Idempotent: sending the same id again (a retry
   * after a network error, a double click) returns the existing comment and writes nothing.
   * The kind is checked at run time too: callers in plain JS or with a cast reach here.
   */
  addComment(input: NewComment, actor: Actor, now: number): CommentRecord {
    const kind = validateCommentKind(input.kind);
    const existing = this.getComment(input.id);
    if (existing) return existing;
    const body = validateBody(input.body);
    const entry = new Y.Map<unknown>();
    entry.set('kind', kind);
    entry.set('authorId', actor.id);
    entry.set('authorName', actor.name);
    entry.set('body', body);
    entry.set('mentions', input.mentions ?? []);
    entry.set('attachments', (input.attachments ?? []).filter(isAttachmentRef));
    entry.set('createdAt', now);
    entry.set('editedAt', null);
    entry.set('deleted', false);
    entry.set('history', new Y.Array<CommentVersion>());
    this.comments.set(input.id, entry);
    return readComment(input.id, entry);
  }

  /** Only the author edits; the previous body goes to the comment's history. */
  editComment(id: string, body: string, actor: Actor, now: number): void {
    const entry = this.ownComment(id, actor);
    const clean = validateBody(body);
    const before = readString(entry, 'body');
    if (before === clean) return;
    this.doc.transact(() => {
      historyOf(entry).push([
        {
          body: before,
          at: readNullableNumber(entry, 'editedAt') ?? readNumber(entry, 'createdAt'),
        },
      ]);
      entry.set('body', clean);
      entry.set('editedAt', now);
      this.record(actor, now, 'comment_edited', { ref: id });
    });
  }

  /** Soft delete: the body stays in history and the comment can be restored. */
  setCommentDeleted(id: string, deleted: boolean, actor: Actor, now: number): void {
    const entry = this.ownComment(id, actor);
    if ((entry.get('deleted') === true) === deleted) return;
    this.doc.transact(() => {
      entry.set('deleted', deleted);
      this.record(actor, now, deleted ? 'comment_deleted' : 'comment_restored', { ref: id });
    });
  }

  listAttachments(): AttachmentRef[] {
    const out: AttachmentRef[] = [];
    this.attachments.forEach((value) => {
      if (isAttachmentRef(value)) out.push(value);
    });
    return out.sort((a, b) => a.uploadedAt - b.uploadedAt);
  }

  addAttachment(ref: AttachmentRef, actor: Actor, now: number): void {
    if (this.attachments.has(ref.id)) return;
    this.doc.transact(() => {
      this.attachments.set(ref.id, ref);
      this.record(actor, now, 'attachment_added', { ref: ref.id, to: ref.name });
    });
  }

  listActivity(): ActivityEntry[] {
    return this.activity.toArray();
  }

  /** Appends the history lines for field changes made through TicketIndex.update. */
  recordFieldChanges(changes: readonly FieldChange[], actor: Actor, now: number): void {
    if (!changes.length) return;
    this.doc.transact(() => {
      for (const change of changes) {
        if (change.field === 'deleted') {
          this.record(actor, now, change.to ? 'deleted' : 'restored', {});
        } else if (change.field === 'number') {
          this.record(actor, now, 'number_assigned', { to: change.to });
        } else {
          this.record(actor, now, 'field', {
            field: change.field,
            from: change.from,
            to: change.to,
          });
        }
      }
    });
  }

  recordCreated(actor: Actor, now: number): void {
    if (this.activity.length === 0) this.record(actor, now, 'created', {});
  }

  /**
   * Description + live comments as plain text, for the index's search field. `hidden`:
   * comments left out (the operator disabled access to them, terms §4: not searchable).
   */
  searchText(limit: number, hidden: ReadonlySet<string> = new Set()): string {
    const description = xmlPlainText(this.description, limit);
    const comments = this.listComments()
      .filter((c) => !c.deleted && !hidden.has(c.id))
      .map((c) => c.body)
      .join('\n');
    return `${description}\n${comments}`.slice(0, limit);
  }

  liveCommentCount(): number {
    let count = 0;
    this.comments.forEach((entry) => {
      if (entry instanceof Y.Map && entry.get('deleted') !== true) count += 1;
    });
    return count;
  }

  /** Fires on any change to comments, attachments or activity (not the description). */
  observeThread(listener: () => void): () => void {
    const handler = () => listener();
    this.comments.observeDeep(handler);
    this.attachments.observe(handler);
    this.activity.observe(handler);
    return () => {
      this.comments.unobserveDeep(handler);
      this.attachments.unobserve(handler);
      this.activity.unobserve(handler);
    };
  }

  private record(
    actor: Actor,
    now: number,
    kind: ActivityKind,
    extra: Pick<ActivityEntry, 'field' | 'from' | 'to' | 'ref'>,
  ): void {
    const entry: ActivityEntry = {
      id: newId(),
      at: now,
      actorId: actor.id,
      actorName: actor.name,
      kind,
      ...extra,
    };
    this.activity.push([entry]);
  }

  private ownComment(id: string, actor: Actor): AnyMap {
    const entry = this.comments.get(id);
    if (!(entry instanceof Y.Map)) {
      throw new ModelError(ModelErrorCode.notFound, 'This comment does not exist (any more).');
    }
    if (entry.get('authorId') !== actor.id) {
      throw new ModelError(ModelErrorCode.notAllowed, 'Only the author can change a comment.');
    }
    return entry;
  }
}

function historyOf(entry: AnyMap): Y.Array<CommentVersion> {
  const history = entry.get('history');
  if (history instanceof Y.Array) return history as Y.Array<CommentVersion>;
  const fresh = new Y.Array<CommentVersion>();
  entry.set('history', fresh);
  return fresh;
}

function readComment(id: string, map: AnyMap): CommentRecord {
  const history = map.get('history');
  const attachments = map.get('attachments');
  return {
    id,
    kind: readCommentKind(map),
    authorId: readString(map, 'authorId'),
    authorName: readString(map, 'authorName', 'Someone'),
    body: readString(map, 'body'),
    mentions: readStringArray(map, 'mentions'),
    attachments: Array.isArray(attachments) ? attachments.filter(isAttachmentRef) : [],
    createdAt: readNumber(map, 'createdAt'),
    editedAt: readNullableNumber(map, 'editedAt'),
    deleted: map.get('deleted') === true,
    history: history instanceof Y.Array ? (history.toArray() as CommentVersion[]) : [],
  };
}
