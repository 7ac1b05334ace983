import type { Actor } from '../Actor.ts';
import type { FieldChange, NewTicket } from '../workspace/TicketIndex.ts';
import type { TicketFields, TicketRecord } from '../workspace/TicketRecord.ts';
import type { WorkspaceIndex } from '../workspace/WorkspaceIndex.ts';
import type { CommentRecord, NewComment } from './Comment.ts';
import type { TicketDoc } from './TicketDoc.ts';

/**
 * Changes that touch both the index doc (small fields) and the ticket doc (history,
 * thread). Two docs cannot share a transaction; each write is idempotent and both land in
 * the local replica at once, so they reach the server together on the next sync.
 */
export function createTicket(
  index: WorkspaceIndex,
  ticket: TicketDoc,
  input: NewTicket,
  actor: Actor,
  now: number,
): TicketRecord {
  const record = index.tickets.create(input, actor, now);
  ticket.recordCreated(actor, now);
  return record;
}

export function updateTicket(
  index: WorkspaceIndex,
  ticket: TicketDoc,
  ticketId: string,
  patch: Partial<TicketFields>,
  actor: Actor,
  now: number,
): FieldChange[] {
  const changes = index.tickets.update(ticketId, patch, now);
  ticket.recordFieldChanges(changes, actor, now);
  return changes;
}

export function setTicketDeleted(
  index: WorkspaceIndex,
  ticket: TicketDoc,
  ticketId: string,
  deleted: boolean,
  actor: Actor,
  now: number,
): FieldChange[] {
  const changes = index.tickets.setDeleted(ticketId, deleted, now);
  ticket.recordFieldChanges(changes, actor, now);
  return changes;
}

export function assignTicketNumber(
  index: WorkspaceIndex,
  ticket: TicketDoc | null,
  ticketId: string,
  number: number,
  actor: Actor,
  now: number,
): void {
  const changes = index.tickets.assignNumber(ticketId, number);
  ticket?.recordFieldChanges(changes, actor, now);
}

/** Adds the comment (idempotent), notifies mentioned members, bumps the ticket in lists. */
export function postComment(
  index: WorkspaceIndex,
  ticket: TicketDoc,
  ticketId: string,
  input: NewComment,
  actor: Actor,
  now: number,
): CommentRecord {
  const existed = ticket.getComment(input.id) !== null;
  const comment = ticket.addComment(input, actor, now);
  if (existed) return comment;
  index.doc.transact(() => {
    for (const userId of comment.mentions) {
      if (userId === actor.id) continue;
      index.mentions.add({
        id: `${comment.id}:${userId}`,
        userId,
        byId: actor.id,
        byName: actor.name,
        at: now,
        place: { kind: 'ticket', ticketId, commentId: comment.id },
        excerpt: comment.body.slice(0, 140),
      });
    }
    index.tickets.touch(ticketId, now);
    index.tickets.setCommentCount(ticketId, ticket.liveCommentCount());
  });
  return comment;
}

/**
 * After the description or thread changed (an edit, a deleted comment): the index's comment
 * count follows, and `updatedAt` moves so lists re-sort and search re-reads the ticket doc.
 */
export function refreshTicketSummary(
  index: WorkspaceIndex,
  ticket: TicketDoc,
  ticketId: string,
  now: number,
): void {
  index.doc.transact(() => {
    index.tickets.setCommentCount(ticketId, ticket.liveCommentCount());
    index.tickets.touch(ticketId, now);
  });
}
