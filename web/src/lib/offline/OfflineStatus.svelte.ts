import type { SyncStatus } from '@desk/client';
import {
  docIds,
  indexGenerationOf,
  type Actor,
  type TicketDoc,
  type WorkspaceIndex,
} from '@desk/model';
import { DocErrorCode, parseDocId } from '@desk/protocol';
import { ApiError } from '$lib/api/api.ts';
import { uploadBlob } from '$lib/api/deskApi.ts';
import { backgroundTurn } from './backgroundTurn.ts';
import { ChangedWhileAway } from './ChangedWhileAway.ts';
import { changedTickets } from './changedTickets.svelte.ts';
import { collectDrafts, countDrafts, downloadJson } from './drafts.ts';
import { describeLocalSave } from './describeLocalSave.ts';
import { describeSync, isLastingRefusal, unsyncedChanges } from './describeSync.ts';
import type { OfflineSnapshot } from './describeSync.ts';
import { offlineDevice } from './offlineDevice.svelte.ts';
import { offlineUploads } from './offlineUploads.svelte.ts';
import type { DocRefusal, OfflineSync } from './OfflineSync.ts';
import { readOfflineMode, writeOfflineMode } from './offlineMode.ts';
import { ReplicaLedger } from './ReplicaLedger.ts';
import { ReplicaManager } from './ReplicaManager.ts';
import type { ReplicaProgress } from './ReplicaManager.ts';
import { ticketsToKeep, type ReplicationMode, type TicketSummary } from './ReplicationPolicy.ts';
import { UploadQueue, UploadUnreachableError } from './UploadQueue.ts';
import { disabledAttachmentRefusal } from '$lib/moderation/attachmentRefusal.ts';

/** What the offline layer needs from the open workspace (the desk's DeskWorkspace). */
export interface OfflineWorkspace {
  readonly slug: string;
  readonly workspaceId: string;
  readonly userId: string;
  readonly actor: Actor;
  readonly index: WorkspaceIndex;
  /**
   * Every ticket this device knows the small fields of (the index, and archive shards it
   * has loaded): what the replication policy chooses from.
   */
  ticketSummaries(): Iterable<TicketSummary>;
  /** The archive shards of old closed tickets (kept offline in `everything` mode). */
  archiveDocIds(): string[];
  /** Loads every archive shard, so `ticketSummaries` names every ticket of the workspace. */
  loadArchive(): Promise<void>;
  withTicketDoc<T>(ticketId: string, action: (ticket: TicketDoc) => T): T;
  /** Why a file is disabled by the operator (terms §4), by SHA-256; null when it is not. */
  disabledAttachment?(sha256: string): string | null;
}

/**
 * The offline state of one open workspace, for the sync status bar: connection, background
 * replication of what this device keeps (ReplicationPolicy), local changes not yet on the server, refusals and their drafts,
 * attachments waiting to upload, and "changed while you were away".
 */
export class OfflineStatus {
  connection = $state.raw<SyncStatus>({
    kind: 'connecting',
    syncingDocs: 0,
    pendingUpdates: 0,
    unconfirmed: false,
    localSave: 'ok',
  });
  replication = $state.raw<ReplicaProgress>({
    total: 0,
    done: 0,
    ticketsTotal: 0,
    ticketsDone: 0,
    failed: 0,
    running: false,
  });
  /** How much of the workspace this device keeps offline (chosen per device). */
  mode = $state<ReplicationMode>('needed');
  dirtyDocs = $state(0);
  drafts = $state(0);
  refusal = $state<DocErrorCode | null>(null);
  refusalMessage = $state<string | null>(null);
  refusalDocKind = $state<string | null>(null);

  readonly snapshot: OfflineSnapshot = $derived({
    connection: this.connection,
    dirtyDocs: this.dirtyDocs,
    replication: this.replication,
    queuedUploads: offlineUploads.items.length,
    refusal: this.refusal,
    refusalDocKind: this.refusalDocKind,
    drafts: this.drafts,
  });
  readonly description = $derived(describeSync(this.snapshot, formatTime));
  /** There is refused or stranded work to download. */
  readonly canExport = $derived(
    this.drafts > 0 || (this.refusal !== null && unsyncedChanges(this.snapshot) > 0),
  );
  /** Local changes and uploads not on the server yet: leaving the page would strand them. */
  readonly unsynced = $derived(unsyncedChanges(this.snapshot) + offlineUploads.items.length);
  /** This device could not save (storage full or blocked): shown at once, never silent. */
  readonly localSave = $derived(describeLocalSave(this.connection, this.unsynced));
  /**
   * Leaving now would cost work: unsynced changes stay on this device until the next visit
   * (stranded), and while the local save fails those in memory are lost (pendingUpdates
   * counts them even when the store can no longer say which docs are dirty).
   */
  readonly warnBeforeLeaving = $derived(
    this.unsynced > 0 ||
      (this.connection.localSave === 'failed' && this.connection.pendingUpdates > 0),
  );

  readonly #sync: OfflineSync;
  readonly #ws: OfflineWorkspace;
  readonly #cleanups: (() => void)[] = [];
  readonly #replica: ReplicaManager;
  readonly #ledger: ReplicaLedger;
  readonly #uploads: UploadQueue;
  readonly #changed: ChangedWhileAway;
  // Plain bookkeeping, never rendered: no reactivity wanted.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #destroyed = false;

  constructor(sync: OfflineSync, ws: OfflineWorkspace) {
    this.#sync = sync;
    this.#ws = ws;
    this.#ledger = new ReplicaLedger(ws.userId);
    this.mode = readOfflineMode(ws.workspaceId, ws.userId);
    this.#replica = new ReplicaManager({
      replicator: sync.client,
      ledger: this.#ledger,
      docIds: () => keptDocIds(ws, this.mode, Date.now()),
      // Background work: no doc starts while the user types (issue 15's keystroke target).
      pause: backgroundTurn,
      beforeEachDoc: backgroundTurn,
      // Measured in headless Chromium (offlineReplica.test.ts: 2,000 tickets in ~20 s on a
      // shared 2-core machine): with the one-database store, storing costs little; the
      // subscribe and ack round trips do, and 24 at a time was no faster than 12.
      concurrency: 12,
      batchSize: 200,
    });
    this.#uploads = new UploadQueue(ws.userId);
    this.#changed = new ChangedWhileAway(ws.index.tickets, ws.index.tickets.size > 0, (ids) =>
      changedTickets.update(ids),
    );
  }

  start(): void {
    // Ticket pages ask the sync layer whether their doc is on this device (on-demand fetch).
    this.#sync.attachReplica(this.#replica);
    offlineDevice.attach(this);
    changedTickets.attach(this.#changed);
    offlineUploads.attach(this.#uploads);
    this.#cleanups.push(
      this.#sync.subscribe((status) => this.#onStatus(status as SyncStatus)),
      this.#replica.subscribe((progress) => (this.replication = progress)),
      this.#sync.onRefusal((refusal) => this.#onRefusal(refusal)),
      this.#ws.index.tickets.observe(() =>
        this.#later('docs', 1000, () => this.#replica.refresh()),
      ),
      this.#ws.index.notices.observe(() =>
        this.#later('docs', 1000, () => this.#replica.refresh()),
      ),
      this.#ws.index.channels.observe(() =>
        this.#later('docs', 1000, () => this.#replica.refresh()),
      ),
      // A new mention makes its ticket one this person follows.
      this.#ws.index.mentions.observe(() =>
        this.#later('docs', 1000, () => this.#replica.refresh()),
      ),
    );
    // The list's first rows come first (issue 15): choosing the docs to keep walks every
    // ticket of the index and replication then competes with the page for the main thread
    // and the socket, so it starts once the page has painted.
    afterFirstPaint(() => {
      if (this.#destroyed) return;
      this.#replica.refresh();
      if (this.mode === 'everything') void this.#loadArchive();
    });
    this.#later('drafts', 3000, () => void this.#countDrafts());
  }

  /** Chooses how much of the workspace this device keeps offline; takes effect at once. */
  setMode(mode: ReplicationMode): void {
    writeOfflineMode(this.#ws.workspaceId, this.#ws.userId, mode);
    this.mode = mode;
    this.#replica.refresh();
    if (mode === 'everything') void this.#loadArchive();
  }

  /** Everything offline: the archive shards too, and then the old tickets they name. */
  async #loadArchive(): Promise<void> {
    try {
      await this.#ws.loadArchive();
    } catch {
      // Offline or refused: the shards held so far are replicated; the rest on the next start.
    }
    if (!this.#destroyed) this.#replica.refresh();
  }

  /** Downloads the refused changes of this workspace as JSON (DESIGN §4.4). */
  async exportDrafts(): Promise<void> {
    const data = await collectDrafts(this.#sync.client.store, this.#ws.workspaceId);
    downloadJson(`${this.#ws.slug}-refused-changes.json`, data);
  }

  destroy(): void {
    this.#destroyed = true;
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#replica.stop();
    this.#sync.attachReplica(null);
    if (offlineDevice.status === this) offlineDevice.attach(null);
    this.#changed.destroy();
    changedTickets.attach(null);
    offlineUploads.attach(null);
    void this.#ledger.close().catch(() => undefined);
    void this.#uploads.close().catch(() => undefined);
  }

  #onStatus(status: SyncStatus): void {
    this.connection = status;
    this.#changed.connection(status.kind);
    this.#later('dirty', 300, () => void this.#countDirty());
    if (status.kind === 'synced' || status.kind === 'syncing') {
      this.#later('uploads', 500, () => void this.#flushUploads());
    }
  }

  #onRefusal(refusal: DocRefusal): void {
    if (parseDocId(refusal.docId)?.workspaceId !== this.#ws.workspaceId) return;
    if (!isLastingRefusal(refusal.code)) return;
    // A ticket or notice the operator disabled (terms §4) is not a sync problem: the marker
    // with the reason shows where its content was (DeskWorkspace.disabled).
    if (refusal.code === DocErrorCode.contentDisabled) return;
    // Nor is the end of an index generation the server dropped (SPEC IDX-GEN-6; the desk
    // opens the newest): a removed membership refuses the head and the user's doc too.
    if (refusal.code === DocErrorCode.accessRevoked && indexGenerationOf(refusal.docId)) return;
    this.refusal = refusal.code;
    this.refusalMessage = refusal.message;
    this.refusalDocKind = parseDocId(refusal.docId)?.kind ?? null;
    // A removed membership refuses every doc: stop asking for the rest.
    if (
      refusal.code === DocErrorCode.notMember ||
      refusal.code === DocErrorCode.accessRevoked ||
      refusal.code === DocErrorCode.workspaceDeleted
    ) {
      this.#replica.stop();
    }
    this.#later('drafts', 1500, () => void this.#countDrafts());
  }

  async #countDirty(): Promise<void> {
    try {
      const held = await this.#sync.client.store.listDocs();
      if (!this.#destroyed) this.dirtyDocs = held.filter((doc) => doc.dirty).length;
    } catch {
      // No replica yet (signed out): nothing is dirty.
    }
  }

  async #countDrafts(): Promise<void> {
    try {
      const n = await countDrafts(this.#sync.client.store, this.#ws.workspaceId);
      if (!this.#destroyed) this.drafts = n;
    } catch {
      // No replica yet: no drafts.
    }
  }

  async #flushUploads(): Promise<void> {
    const ws = this.#ws;
    await this.#uploads.flush({
      accepts: (item) => item.workspaceSlug === ws.slug,
      upload: async (item) => {
        let ref;
        try {
          const file = new File([item.file], item.name, { type: item.type });
          ref = await uploadBlob(item.workspaceSlug, file, item.uploadedBy, item.id);
        } catch (error) {
          if (error instanceof ApiError && error.status === 0) throw new UploadUnreachableError();
          throw error;
        }
        // Terms §4: bytes the operator disabled are not attached again; the item fails with why.
        const refused = disabledAttachmentRefusal(
          [ref],
          (sha) => ws.disabledAttachment?.(sha) ?? null,
        );
        if (refused !== null) throw new Error(refused);
        ws.withTicketDoc(item.ticketId, (ticket) =>
          ticket.addAttachment(ref, ws.actor, Date.now()),
        );
      },
    });
  }

  #later(key: string, ms: number, run: () => void): void {
    if (this.#destroyed) return;
    const existing = this.#timers.get(key);
    if (existing !== undefined) clearTimeout(existing);
    this.#timers.set(
      key,
      setTimeout(() => {
        this.#timers.delete(key);
        if (!this.#destroyed) run();
      }, ms),
    );
  }
}

/**
 * The docs this device keeps of a workspace: the tickets the replication policy chooses for
 * its person (every ticket in `everything` mode), and every notice and channel (few, and
 * read by everyone).
 */
export function keptDocIds(ws: OfflineWorkspace, mode: ReplicationMode, now: number): string[] {
  const { index, workspaceId, userId } = ws;
  // Plain, computed per call and never rendered: no reactivity wanted.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  const followed = new Set<string>();
  for (const mention of index.mentions.forUser(userId)) {
    if (mention.place.kind === 'ticket') followed.add(mention.place.ticketId);
  }
  const tickets = ticketsToKeep(ws.ticketSummaries(), { mode, userId, now, followed });
  const ids = tickets.map((id) => docIds.ticket(workspaceId, id));
  if (mode === 'everything') ids.push(...ws.archiveDocIds());
  for (const notice of index.notices.list(true)) ids.push(docIds.notice(workspaceId, notice.id));
  for (const channel of index.channels.list()) ids.push(docIds.channel(workspaceId, channel.id));
  return ids;
}

function formatTime(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** Runs `run` after the next frame is painted (in a task after it, not inside it). */
function afterFirstPaint(run: () => void): void {
  if ('requestAnimationFrame' in globalThis) requestAnimationFrame(() => setTimeout(run, 0));
  else setTimeout(run, 0);
}
