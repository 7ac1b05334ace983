import type { AttachmentRef } from './Attachment.ts';

export const CommentKind = { reply: 'reply', note: 'note' } as const;
/** `reply`: public, the requester sees it. `note`: internal, members only. */
export type CommentKind = (typeof CommentKind)[keyof typeof CommentKind];

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
