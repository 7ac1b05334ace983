import {
  docIds,
  ModelError,
  newId,
  postComment,
  refreshTicketSummary,
  setTicketDeleted,
  TicketDoc,
  updateTicket,
  type ActivityEntry,
  type AttachmentRef,
  type CommentKind,
  type CommentRecord,
  type TicketFields,
  type TicketRecord,
} from '@desk/model';
import type { DocHandle } from '$lib/offline/DocSource.ts';
import { docLimitRefusal } from './docLimit.ts';
import { TicketPresence } from './Presence.svelte.ts';
import { userColor } from './userColor.ts';
import type { DeskWorkspace } from './DeskWorkspace.svelte.ts';
import { disabledAttachmentRefusal } from '$lib/moderation/attachmentRefusal.ts';

/**
 * Whether the ticket's content is on this device (issue 15: a device keeps what its person
 * needs and fetches the rest when opened): `checking` — the local copy is still being read
 * and whether it holds the ticket is not known yet (nothing is shown or writable: a file
 * chosen then would go to a view about to give way to `fetching`); `here` — shown from the
 * local copy; `fetching` —
 * not on this device, on its way from the server; `absent` — not on this device and no
 * connection, so the page says so instead of showing an empty ticket.
 */
export type TicketAvailability = 'checking' | 'here' | 'fetching' | 'absent';

/**
 * One open ticket: its index record (small fields, live), its doc (description, thread,
 * attachments, history), and who else is on it. Every write goes through @desk/model.
 */
export class TicketPageState {
  record = $state.raw<TicketRecord | null>(null);
  comments = $state.raw<CommentRecord[]>([]);
  activity = $state.raw<ActivityEntry[]>([]);
  attachments = $state.raw<AttachmentRef[]>([]);
  loaded = $state(false);
  /** A sentence for the last refused change (validation, permission). */
  error = $state<string | null>(null);

  /** Bumped when the replica was rebuilt after a refusal: the editor re-binds on it. */
  generation = $state(0);
  // Reactive so views follow a re-bind after `replaced`; set in the constructor.
  ticket = $state.raw<TicketDoc>(undefined as unknown as TicketDoc);
  presence = $state.raw<TicketPresence>(undefined as unknown as TicketPresence);
  /** The doc was synced to this device before, or has content made here; null until known. */
  held = $state<boolean | null>(null);
  private synced = $state(false);
  readonly availability: TicketAvailability = $derived.by(() => {
    if (this.held === true || this.synced) return 'here';
    if (this.held === null) return 'checking';
    const kind = this.desk.status.kind;
    return kind === 'offline' || kind === 'error' ? 'absent' : 'fetching';
  });
  readonly handle: DocHandle;
  private cleanups: (() => void)[] = [];
  private docCleanups: (() => void)[] = [];
  private searchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly desk: DeskWorkspace,
    readonly ticketId: string,
  ) {
    this.handle = desk.source.open(docIds.ticket(desk.workspace!.id, ticketId));
    this.ticket = new TicketDoc(this.handle.doc);
    this.presence = this.makePresence();
    desk.presence.setViewing(ticketId);
    this.record = this.readRecord();
    this.cleanups.push(
      desk.index.tickets.observe((ids) => {
        if (ids.has(ticketId)) this.record = this.readRecord();
      }),
    );
    this.bindDoc();
    const offReplaced = this.handle.on?.('replaced', () => {
      // The server refused a change; the replica now holds the server's state in a new doc.
      for (const cleanup of this.docCleanups.splice(0)) cleanup();
      this.presence.destroy();
      this.ticket = new TicketDoc(this.handle.doc);
      this.presence = this.makePresence();
      this.bindDoc();
      this.generation += 1;
      this.error = 'The server refused a change to this ticket; it now shows the server’s version.';
    });
    if (offReplaced) this.cleanups.push(offReplaced);
    const docId = docIds.ticket(desk.workspace!.id, ticketId);
    void this.handle.whenLoaded.then(async () => {
      this.ticket.ensureSchema();
      this.refreshThread();
      this.loaded = true;
      // Content made on this device (a ticket created offline) is here whatever the ledger says.
      const local = this.handle.doc.store.clients.size > 0;
      const held = local || ((await desk.source.isHeld?.(docId)) ?? true);
      if (!this.synced) this.held = held;
    });
    this.handle.whenSynced.then(
      () => {
        this.ticket.ensureSchema();
        this.synced = true;
        // Fetched on demand: from now on it stays on this device and catch-up keeps it current.
        desk.source.markHeld?.(docId);
      },
      () => undefined, // a refusal is shown by the DeskWorkspace's status
    );
  }

  /** Writable once the ticket is on this device: typing into an empty copy would be confusing. */
  get canWrite(): boolean {
    return this.desk.canWrite && this.availability === 'here';
  }

  update(patch: Partial<TicketFields>): boolean {
    return this.attempt(
      () =>
        updateTicket(
          this.desk.index,
          this.ticket,
          this.ticketId,
          patch,
          this.desk.actor,
          Date.now(),
        ),
      JSON.stringify(patch),
    );
  }

  setDeleted(deleted: boolean): boolean {
    return this.attempt(
      () =>
        setTicketDeleted(
          this.desk.index,
          this.ticket,
          this.ticketId,
          deleted,
          this.desk.actor,
          Date.now(),
        ),
      deleted ? null : '',
    );
  }

  /** Idempotent: the id comes from the draft, so a second click or a retry posts nothing new. */
  post(id: string, kind: CommentKind, body: string, mentions: string[], files: AttachmentRef[]) {
    if (this.refusesFiles(files)) return false;
    return this.attempt(
      () => {
        postComment(
          this.desk.index,
          this.ticket,
          this.ticketId,
          { id, kind, body, mentions, attachments: files },
          this.desk.actor,
          Date.now(),
        );
        this.presence.stopTyping();
      },
      body + JSON.stringify(files),
    );
  }

  editComment(id: string, body: string): boolean {
    return this.attempt(() => {
      this.ticket.editComment(id, body, this.desk.actor, Date.now());
      this.refreshSummary();
    }, body);
  }

  setCommentDeleted(id: string, deleted: boolean): boolean {
    return this.attempt(
      () => {
        this.ticket.setCommentDeleted(id, deleted, this.desk.actor, Date.now());
        this.refreshSummary();
      },
      deleted ? null : '',
    );
  }

  addAttachment(ref: AttachmentRef): boolean {
    if (this.refusesFiles([ref])) return false;
    return this.attempt(
      () => this.ticket.addAttachment(ref, this.desk.actor, Date.now()),
      JSON.stringify(ref),
    );
  }

  newCommentId(): string {
    return newId();
  }

  private makePresence(): TicketPresence {
    const me = this.desk.me!;
    return new TicketPresence(this.handle.awareness, {
      id: me.id,
      name: me.displayName,
      color: userColor(me.id),
    });
  }

  private bindDoc(): void {
    const ticket = this.ticket;
    const onDescription = (_events: unknown, transaction: { local: boolean }) => {
      // Only the editing replica touches the index row (search re-reads the doc), not per key.
      if (!transaction.local) return;
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => this.refreshSummary(), 1500);
    };
    ticket.description.observeDeep(onDescription);
    this.docCleanups.push(
      ticket.observeThread(() => this.refreshThread()),
      () => ticket.description.unobserveDeep(onDescription),
    );
    this.refreshThread();
  }

  destroy(): void {
    clearTimeout(this.searchTimer);
    for (const cleanup of this.docCleanups) cleanup();
    for (const cleanup of this.cleanups) cleanup();
    this.presence.destroy();
    this.desk.presence.setViewing(null);
    this.handle.release();
  }

  private refreshSummary(): void {
    this.desk.archive.restore(this.ticketId);
    refreshTicketSummary(this.desk.index, this.ticket, this.ticketId, Date.now());
  }

  /** From the hot index, or from a loaded archive shard for an old closed ticket. */
  private readRecord(): TicketRecord | null {
    return this.desk.index.tickets.get(this.ticketId) ?? this.desk.archive.find(this.ticketId);
  }

  private refreshThread(): void {
    this.comments = this.ticket.listComments();
    this.activity = this.ticket.listActivity();
    this.attachments = this.ticket.listAttachments();
  }

  /**
   * Makes a change, or says why not: read-only, not on this device, or — for a change that
   * adds `addedText` (null: it only removes, and always goes) — past the document-size limit
   * the server announced, refused here first so the draft stays where it was typed.
   */
  /** Terms §4: a file whose access the operator disabled is not attached again. */
  private refusesFiles(files: readonly AttachmentRef[]): boolean {
    const refusal = disabledAttachmentRefusal(files, (sha) => this.desk.disabled.attachment(sha));
    if (refusal !== null) this.error = refusal;
    return refusal !== null;
  }

  private attempt(action: () => unknown, addedText: string | null): boolean {
    if (!this.desk.canWrite) {
      this.error = 'This workspace is read-only for you; the change was not made.';
      return false;
    }
    if (this.availability === 'checking') {
      this.error = 'This ticket is still opening; the change was not made. Try again in a moment.';
      return false;
    }
    if (this.availability !== 'here') {
      this.error = 'This ticket is not on this device yet; the change was not made.';
      return false;
    }
    const tooLarge = addedText === null ? null : docLimitRefusal(this.handle, addedText);
    if (tooLarge !== null) {
      this.error = tooLarge;
      return false;
    }
    try {
      // An archived ticket moves back into the hot index before it changes.
      this.desk.archive.restore(this.ticketId);
      action();
      this.error = null;
      return true;
    } catch (error) {
      this.error = error instanceof ModelError ? error.message : 'The change could not be made.';
      return false;
    }
  }
}
