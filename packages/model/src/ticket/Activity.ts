export const ActivityKind = {
  created: 'created',
  field: 'field',
  deleted: 'deleted',
  restored: 'restored',
  commentEdited: 'comment_edited',
  commentDeleted: 'comment_deleted',
  commentRestored: 'comment_restored',
  attachmentAdded: 'attachment_added',
  numberAssigned: 'number_assigned',
} as const;
export type ActivityKind = (typeof ActivityKind)[keyof typeof ActivityKind];

/** One line of a ticket's history: who did what, when. Append-only. */
export interface ActivityEntry {
  readonly id: string;
  readonly at: number;
  readonly actorId: string;
  readonly actorName: string;
  readonly kind: ActivityKind;
  readonly field?: string;
  readonly from?: unknown;
  readonly to?: unknown;
  /** The comment or attachment the entry is about. */
  readonly ref?: string;
}
