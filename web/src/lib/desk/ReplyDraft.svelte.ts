import { newId, type CommentKind } from '@desk/model';
import { replyDraftKey } from '$lib/offline/localKeys.ts';

interface StoredDraft {
  id: string;
  kind: CommentKind;
  body: string;
  /** How many comments the ticket had when this draft was started. */
  seenComments: number;
  savedAt: number;
}

/**
 * The reply being written on one ticket, saved on every keystroke to localStorage so it
 * survives reloads, closed tabs and other people's changes to the ticket. Its comment id is
 * made when the draft starts and kept until it is sent: sending twice (double click, retry
 * after an error) writes the same comment, never a duplicate.
 */
export class ReplyDraft {
  id = $state('');
  kind = $state<CommentKind>('reply');
  body = $state('');
  seenComments = $state(0);
  private readonly key: string;

  constructor(workspaceId: string, ticketId: string, userId: string, commentCount: number) {
    this.key = replyDraftKey(workspaceId, ticketId, userId);
    const stored = this.read();
    if (stored) {
      this.id = stored.id;
      this.kind = stored.kind;
      this.body = stored.body;
      this.seenComments = stored.seenComments;
    } else {
      this.reset(commentCount);
    }
  }

  get hasText(): boolean {
    return this.body.trim().length > 0;
  }

  set(body: string, commentCount: number): void {
    if (!this.hasText) this.seenComments = commentCount;
    this.body = body;
    this.save();
  }

  setKind(kind: CommentKind): void {
    this.kind = kind;
    this.save();
  }

  /** Comments that arrived after the draft was started: the UI warns before sending. */
  newerComments(commentCount: number): number {
    return Math.max(0, commentCount - this.seenComments);
  }

  acknowledge(commentCount: number): void {
    this.seenComments = commentCount;
    this.save();
  }

  /** After a successful send: a fresh id for the next reply. */
  reset(commentCount: number): void {
    this.id = newId();
    this.body = '';
    this.seenComments = commentCount;
    localStorage.removeItem(this.key);
  }

  private save(): void {
    const draft: StoredDraft = {
      id: this.id,
      kind: this.kind,
      body: this.body,
      seenComments: this.seenComments,
      savedAt: Date.now(),
    };
    if (this.hasText) localStorage.setItem(this.key, JSON.stringify(draft));
    else localStorage.removeItem(this.key);
  }

  private read(): StoredDraft | null {
    try {
      const raw = JSON.parse(localStorage.getItem(this.key) ?? 'null') as StoredDraft | null;
      return raw && typeof raw.id === 'string' && typeof raw.body === 'string' ? raw : null;
    } catch {
      return null;
    }
  }
}
