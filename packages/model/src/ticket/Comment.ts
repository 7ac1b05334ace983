import { ModelError, ModelErrorCode } from '../ModelError.ts';
import type { FieldReader } from '../schema/read.ts';
import type { AttachmentRef } from './Attachment.ts';

export const CommentKind = { reply: 'reply', note: 'note' } as const;
/** `reply`: public, the requester sees it. `note`: internal, members only. */
export type CommentKind = (typeof CommentKind)[keyof typeof CommentKind];
export const COMMENT_KINDS: readonly CommentKind[] = Object.values(CommentKind);

/**
 * The write side: a kind outside `CommentKind` is refused with a typed error (field `kind`)
 * instead of landing in the shared doc, where every peer would have to guess what it means.
 */
export function validateCommentKind(value: unknown): CommentKind {
  if (!COMMENT_KINDS.includes(value as CommentKind)) {
    throw new ModelError(ModelErrorCode.invalidField, 'Unknown comment kind.', 'kind');
  }
  return value as CommentKind;
}

/**
 * The read side: a stored kind this version does not know (a newer client, a tool on the raw
 * y-websocket endpoint, a missing field) reads as an internal note. Privacy decides the
 * direction: showing a private text to members only is harmless, showing it to the requester
 * as a public reply is a leak that cannot be taken back — so unknown is never public.
 */
export function readCommentKind(map: FieldReader): CommentKind {
  const value = map.get('kind');
  return COMMENT_KINDS.includes(value as CommentKind) ? (value as CommentKind) : CommentKind.note;
}

export interface CommentVersion {
  readonly body: string;
  readonly at: number;
}

export interface CommentRecord {
  readonly id: string;
  readonly kind: CommentKind;
  readonly authorId: string;
  readonly authorName: string;
  readonly body: string;
  readonly mentions: readonly string[];
  readonly attachments: readonly AttachmentRef[];
  readonly createdAt: number;
  readonly editedAt: number | null;
  readonly deleted: boolean;
  /** Earlier bodies, oldest first: edits and deletes never lose text. */
  readonly history: readonly CommentVersion[];
}

export interface NewComment {
  /** Made by the client before sending, so a retried send lands on the same key. */
  id: string;
  kind: CommentKind;
  body: string;
  mentions?: string[];
  attachments?: AttachmentRef[];
}
