import {
  assignTicketNumber,
  createTicket,
  docIds,
  indexDocId,
  newId,
  TicketDoc,
  TicketNumberPool,
  UserDoc,
  WorkspaceIndex,
  type Actor,
  type Mention,
  type NewTicket,
  type TicketRecord,
} from '@desk/model';
import { DELETED_USER_NAME, DocErrorCode, ErrorCode, parseDocId } from '@desk/protocol';
import { ApiError } from '$lib/api/api.ts';
import { fetchUsage } from '$lib/api/usageApi.ts';
import {
  newTicketRefusal,
  WorkspaceFullError,
  WorkspaceUsage,
} from '$lib/usage/WorkspaceUsage.svelte.ts';
import { moderationApi } from '$lib/api/moderationApi.ts';
import { DisabledItems } from '$lib/moderation/DisabledItems.svelte.ts';
import { readDisabledItems, writeDisabledItems } from '$lib/offline/disabledItemsStore.ts';
import { ArchiveShelf } from './ArchiveShelf.svelte.ts';
import { AccessLoss, accessLossOfRefusal, accessLossOfStatus } from './accessLoss.ts';
import type { Me, WorkspaceInfo, WorkspaceMember, WorkspacePayload } from '@desk/protocol';
import { fetchMe, fetchWorkspace, reserveTicketNumbers } from '$lib/api/deskApi.ts';
import type { ConnectionStatus, DocHandle, DocSource } from '$lib/offline/DocSource.ts';
import { fetchFirstPage } from '$lib/api/firstPageApi.ts';
import {
  afterNextPaint,
  DEFAULT_QUERY_KEY,
  FIRST_SCREEN_ROWS,
  listQueryKey,
  listQueryOf,
  readFirstScreen,
  type FirstScreen,
} from './firstScreen.ts';
import {
  IndexGenerationFollower,
  isDroppedGeneration,
  localGenerationStorage,
  startGeneration,
} from './IndexGenerations.ts';
import { LocalNumberStorage } from './numberStorage.ts';
import { lateEditsReplayed } from './lateEditsReplayed.ts';
import { IndexPresence } from './Presence.svelte.ts';
import { startupMark } from './startupMarks.ts';
import { userColor } from './userColor.ts';

interface CachedIdentity {
  me: Me['user'];
  workspace: WorkspacePayload;
}

/**
 * Everything the workspace app shares: who I am, the workspace and its members, the index
 * and my private user doc from the local replica, presence, the ticket-number pool and the
 * connection status. Created by `/w/[slug]/+layout.svelte`, handed down by context.
 *
 * Local-first start: the last known identity and member list are cached in localStorage, so
 * the desk opens from IndexedDB when the server is unreachable.
 */
export class DeskWorkspace {
  me = $state<Me['user'] | null>(null);
  workspace = $state<WorkspaceInfo | null>(null);
  members = $state.raw<WorkspaceMember[]>([]);
  /** Former members whose account was deleted: what they wrote shows as "Deleted user". */
  deletedUserIds = $state.raw<readonly string[]>([]);
  status = $state<ConnectionStatus>({ kind: 'connecting', pendingUpdates: 0 });
  /** Set when the app cannot start; shown in words. */
  error = $state<string | null>(null);
  needsLogin = $state(false);
  ready = $state(false);
  /** A document was written by a newer version of the app. */
  outdated = $state(false);
  /** The server refused a change to the workspace index; the page must reload to show its version. */
  replaced = $state(false);
  /**
   * The server rewrote the workspace index into a newer generation, this device holds it,
   * and switching to it in place failed (SPEC IDX-GEN-2): the lists show the older one until
   * a reload. Normally the page switches by itself (`switchGeneration`) and this stays false.
   */
  indexMoved = $state(false);
  /** Bumped on every index/user-doc change that sidebars show (mentions, channels, notices). */
  revision = $state(0);
  /**
   * Set the moment the server ends my right to change this workspace while it is open
   * (removed, read-only role, suspended, session revoked): every editor turns read-only at
   * once instead of accepting typing the server will refuse. A read-only role or workspace
   * ends when the server gives write access back (`followAccess`); removal, deletion and an
   * ended session hold until a reload asks again.
   */
  accessLoss = $state<AccessLoss | null>(null);

  /**
   * The server answered 410 `workspace_deleted`: the workspace is being deleted (issue 16).
   * The page shows where the deletion stands (and the owner's cancel), not the desk.
   */
  deleting = $state(false);

  /**
   * Ticket rows to paint before the index is decoded (issue 15, `firstScreen.ts`): on a
   * reload the rows rendered last time (shown before `ready`), on a new device the server's
   * first page (shown by the list until the index has synced).
   */
  firstScreen = $state.raw<FirstScreen | null>(null);
  /** The workspace index has had its first sync with the server in this page load. */
  indexSynced = $state(false);

  /** Settles once the server's answer about me and the workspace was applied (or none came). */
  confirmed: Promise<void> = Promise.resolve();

  index!: WorkspaceIndex;
  user!: UserDoc;
  presence!: IndexPresence;
  numbers!: TicketNumberPool;
  /** Archive shards of old closed tickets: which months exist, loaded on demand. */
  archive!: ArchiveShelf;
  /** Usage against the plan's limits: the 80 % banner and the up-front "workspace full". */
  readonly usage: WorkspaceUsage;
  /**
   * What the operator disabled in this workspace (terms §4): every view shows the marker
   * instead. Kept with the local copy, so an offline reload hides it too.
   */
  readonly disabled = new DisabledItems();
  private indexHandle: DocHandle | null = null;
  /** The index generation open now; a newer one held on the device is switched to in place. */
  private indexGeneration = 0;
  /** What follows the open index handle (its refusal-reset and access listeners). */
  private indexHandleOffs: (() => void)[] = [];
  private switching: { stop: () => void } | null = null;
  private userHandle: DocHandle | null = null;
  source!: DocSource;
  private cleanups: (() => void)[] = [];
  private destroyed = false;
  /** The index doc's read-only flag as last seen; null before its first status. */
  private indexReadOnly: boolean | null = null;
  private accessAsks = 0;

  constructor(
    readonly slug: string,
    private readonly makeSource: (userId: string) => DocSource,
    fetchWorkspaceUsage = fetchUsage,
    /** Opens the page again (another account's identity was cached for this address). */
    private readonly reopen: () => void = () => location.reload(),
  ) {
    this.usage = new WorkspaceUsage(slug, fetchWorkspaceUsage);
  }

  get actor(): Actor {
    return { id: this.me?.id ?? '', name: this.me?.displayName ?? '' };
  }

  get canWrite(): boolean {
    return !!this.workspace && !this.workspace.readOnly && this.accessLoss === null;
  }

  /**
   * Opens the workspace. `listFirst`: the ticket list is the page being opened, so its first
   * screen of rows is worth painting before the index is decoded.
   */
  async start(options: { listFirst?: boolean } = {}): Promise<void> {
    startupMark('start');
    // Local-first (issue 15: reload within 1 s): a workspace opened here before starts from
    // the identity cached then, and the server's answer is applied (and enforced) when it
    // comes; only a first visit waits for it.
    const asked = this.askIdentity();
    const cached = readCachedIdentity(this.slug);
    // A first visit asks for the list's first page beside the identity (one round trip).
    const firstPage =
      !cached && options.listFirst
        ? fetchFirstPage(this.slug, FIRST_SCREEN_ROWS).catch(() => null)
        : null;
    const identity = cached ?? (await asked.then((answer) => this.firstIdentity(answer)));
    startupMark('identity');
    if (!identity || this.destroyed) return;
    this.applyIdentity(identity);
    if (cached) this.confirmed = asked.then((answer) => this.confirmIdentity(cached, answer));
    const wsId = identity.workspace.workspace.id;
    if (firstPage) void this.showFirstPage(wsId, firstPage);
    // Reload: paint the rows kept last time, before the local copy's index is decoded
    // (a long task: seconds at 5,000 hot tickets) — the handles below start that decode.
    if (cached && options.listFirst) await this.showKeptFirstScreen(identity.me.id, wsId);
    if (this.destroyed) return;
    this.usage.start(wsId);
    const userId = identity.me.id;
    // Read before anything is painted (the desk waits for it with the local copy below).
    const disabledKnown = this.disabled.start(
      wsId,
      {
        read: () => readDisabledItems(userId, wsId),
        write: (items) => writeDisabledItems(userId, wsId, items),
      },
      () => moderationApi.disabled(this.slug).then((list) => list.items),
    );
    this.source = this.makeSource(identity.me.id);
    // The server pushes the whole list whenever the operator disables or re-enables an item.
    const offDisabled = this.source.onDisabledItems?.((workspaceId, items) => {
      if (workspaceId === wsId) this.disabled.apply(items);
    });
    if (offDisabled) this.cleanups.push(offDisabled);

    this.cleanups.push(
      this.source.subscribe((status) => {
        this.status = status;
        this.loseAccess(accessLossOfStatus(status));
      }),
    );
    let follower: IndexGenerationFollower | null = null;
    const offRefusal = this.source.onRefusal?.((refusal) => {
      if (parseDocId(refusal.docId)?.workspaceId !== wsId) return;
      if (follower && isDroppedGeneration(refusal.docId, refusal.code, follower.newest)) return;
      this.loseAccess(accessLossOfRefusal(refusal.code));
      // A ticket or notice refused as disabled before the list said so: hidden now.
      if (refusal.code === DocErrorCode.contentDisabled)
        this.disabled.refusedDoc(refusal.docId, refusal.message);
      // A change refused at the document-size limit: learn now whether the workspace is
      // full, so the next new ticket is refused up front instead of by the server.
      // Likewise a new ticket refused at the plan's ticket limit.
      if (
        refusal.code === DocErrorCode.docTooLarge ||
        refusal.code === DocErrorCode.ticketLimit ||
        refusal.code === DocErrorCode.storageFull
      )
        void this.usage.refresh();
    });
    if (offRefusal) this.cleanups.push(offRefusal);
    // The newest index generation this device holds (SPEC IDX-GEN-4): a first visit asks
    // the head, so a new device never downloads a tombstoned older generation.
    const generations = localGenerationStorage(wsId, identity.me.id);
    const generation = await startGeneration(this.source, wsId, generations, !cached);
    if (this.destroyed) return;
    this.indexHandle = this.source.open(indexDocId(wsId, generation));
    this.indexGeneration = generation;
    follower = new IndexGenerationFollower(
      this.source,
      wsId,
      { generation, doc: this.indexHandle.doc },
      generations,
      (held) => void this.switchGeneration(wsId, held),
    );
    const following = follower;
    this.cleanups.push(() => following.destroy());
    this.userHandle = this.source.open(docIds.user(wsId, identity.me.id));
    const offUserReplaced = this.userHandle.on?.('replaced', () => (this.replaced = true));
    if (offUserReplaced) this.cleanups.push(offUserReplaced);
    this.followIndexHandle(this.indexHandle);
    this.cleanups.push(() => {
      for (const off of this.indexHandleOffs.splice(0)) off();
      this.switching?.stop();
    });
    this.index = new WorkspaceIndex(this.indexHandle.doc);
    this.user = new UserDoc(this.userHandle.doc);
    this.archive = new ArchiveShelf(this.source, wsId, this.index);
    this.presence = new IndexPresence(this.indexHandle.awareness, {
      id: identity.me.id,
      name: identity.me.displayName,
      color: userColor(identity.me.id),
    });
    this.numbers = new TicketNumberPool(
      new LocalNumberStorage(`desk:numbers:${wsId}:${identity.me.id}`),
      () => reserveTicketNumbers(this.slug),
    );
    const bump = () => (this.revision += 1);
    this.cleanups.push(
      this.index.mentions.observe(bump),
      this.index.channels.observe(bump),
      this.index.notices.observe(bump),
      this.user.observe(bump),
    );

    await Promise.all([this.indexHandle.whenLoaded, this.userHandle.whenLoaded, disabledKnown]);
    startupMark('local-copy-loaded');
    if (this.destroyed) return;
    this.checkSchema();
    this.ready = true;
    this.indexHandle.whenSynced.then(
      () => (this.indexSynced = true),
      () => undefined, // said below
    );
    Promise.all([this.indexHandle.whenSynced, this.userHandle.whenSynced]).then(
      () => {
        startupMark('synced');
        if (this.destroyed) return;
        this.checkSchema();
        void this.afterSync();
      },
      (error: unknown) => {
        // The server refused the workspace (membership ended, access revoked): say so.
        this.error = error instanceof Error ? error.message : 'The server refused this workspace.';
      },
    );
  }

  memberName(userId: string | null): string {
    if (!userId) return 'Unassigned';
    if (this.deletedUserIds.includes(userId)) return DELETED_USER_NAME;
    return this.members.find((m) => m.userId === userId)?.displayName ?? 'Former member';
  }

  /**
   * The author of a comment or message: the name written with it, unless the account was
   * deleted since — then "Deleted user" (the words stay with the workspace, the person not).
   */
  authorName(userId: string, written: string): string {
    return this.deletedUserIds.includes(userId) ? DELETED_USER_NAME : written;
  }

  /** Mentions of me not yet seen. */
  unreadMentions(): Mention[] {
    void this.revision;
    if (!this.me) return [];
    const seen = this.user.readAt('mentions');
    return this.index.mentions.forUser(this.me.id).filter((m) => m.at > seen);
  }

  /** Opens a ticket doc for a moment (to write history in a bulk change). */
  withTicketDoc<T>(ticketId: string, action: (ticket: TicketDoc) => T): T {
    const handle = this.source.open(docIds.ticket(this.workspace!.id, ticketId));
    try {
      return action(new TicketDoc(handle.doc));
    } finally {
      // Let the change reach the local store and the socket before letting go.
      setTimeout(() => handle.release(), 2000);
    }
  }

  /**
   * Creates a ticket with a number from the reserved pool, or pending when the pool is dry
   * (offline). Works offline; returns at once.
   */
  createTicket(input: Omit<NewTicket, 'id' | 'number'>): TicketRecord {
    // Refused up front when the plan has no room: a ticket the server would refuse must
    // never appear and then vanish (issue 15 #4). Nothing is written, no number is taken.
    if (this.usage.full) throw new WorkspaceFullError(newTicketRefusal(this.usage.usage));
    const id = newId();
    const number = this.numbers.take();
    const record = this.withTicketDoc(id, (ticket) =>
      createTicket(this.index, ticket, { ...input, id, number }, this.actor, Date.now()),
    );
    void this.numbers.refill().catch(() => undefined);
    // Ask for the new usage soon, unless offline (the request could only fail).
    if (this.status.kind !== 'offline') this.usage.changed();
    return record;
  }

  destroy(): void {
    this.destroyed = true;
    this.usage.destroy();
    this.disabled.stop();
    for (const cleanup of this.cleanups) cleanup();
    this.presence?.destroy();
    this.archive?.destroy();
    this.indexHandle?.release();
    this.userHandle?.release();
    this.source?.destroy();
  }

  /** Listens to the open index handle: a reset by refusal, and the access it announces. */
  private followIndexHandle(handle: DocHandle): void {
    for (const off of this.indexHandleOffs.splice(0)) off();
    // Lists and views hold the old doc; a reload re-opens everything from the replica.
    const offReplaced = handle.on?.('replaced', () => (this.replaced = true));
    // The server announces a changed role or workspace state on the live subscriptions (a
    // second `subscribed`, SPEC ACCESS): the index doc's flag is the workspace's.
    const offAccess = handle.subscribe?.((status) => this.followAccess(status.readOnly));
    if (offReplaced) this.indexHandleOffs.push(offReplaced);
    if (offAccess) this.indexHandleOffs.push(offAccess);
  }

  /**
   * A newer index generation is on the device (SPEC IDX-GEN-2): the page switches to it in
   * place. The same `WorkspaceIndex` reads and writes the newer doc from then on, and what
   * observes it — lists (their query, selection and scroll stay: the rows are re-read, not
   * rebuilt), sidebars, a ticket page, search — follows; presence moves too. First every edit
   * this device made to the open generation must be in the newer one (the server replays
   * them): switched earlier, such an edit would vanish until the replay brought it back.
   * The older handle is released after; the client keeps it until the server has our changes.
   */
  private async switchGeneration(workspaceId: string, generation: number): Promise<void> {
    const from = this.indexHandle;
    if (!from || this.destroyed || generation <= this.indexGeneration) return;
    this.switching?.stop();
    const to = this.source.open(indexDocId(workspaceId, generation));
    let switched = false;
    try {
      // The follower holds it synced already: the same replica, loaded.
      await to.whenLoaded;
      if (this.destroyed || this.indexHandle !== from) return;
      const wait = lateEditsReplayed(from.doc, to.doc);
      this.switching = wait;
      if (!(await wait.done) || this.destroyed || this.indexHandle !== from) return;
      this.switching = null;
      this.index.switchTo(to.doc);
      this.presence.moveTo(to.awareness);
      this.indexHandle = to;
      this.indexGeneration = generation;
      this.followIndexHandle(to);
      switched = true;
      from.release();
      this.checkSchema();
    } catch {
      // Refused or unreadable: stay on the open generation (its edits are replayed) and
      // offer the reload that opens the newer one from the local copy.
      this.indexMoved = true;
    } finally {
      if (!switched) to.release();
    }
  }

  /** The rows this device rendered last time for the list being opened, painted now. */
  private async showKeptFirstScreen(userId: string, workspaceId: string): Promise<void> {
    const queryKey = listQueryKey(listQueryOf(workspaceId));
    const screen = await readFirstScreen(userId, workspaceId, queryKey).catch(() => null);
    if (!screen || screen.rows.length === 0 || this.destroyed) return;
    this.firstScreen = screen;
    startupMark('first-screen');
    await afterNextPaint();
  }

  /** A new device: the server's first page, for the default list, until the index syncs. */
  private async showFirstPage(
    workspaceId: string,
    page: Promise<FirstScreen['rows'] | null>,
  ): Promise<void> {
    const rows = await page;
    if (!rows?.length || this.destroyed || this.indexSynced) return;
    if (listQueryKey(listQueryOf(workspaceId)) !== DEFAULT_QUERY_KEY) return;
    this.firstScreen = { queryKey: DEFAULT_QUERY_KEY, rows, countText: '' };
    startupMark('first-page');
  }

  /**
   * Follows the access the server announces, both ways, without a reload: write access
   * back (viewer made agent again, workspace resumed) ends a read-only loss — it was a
   * latch until a reload, so a regained role stayed read-only. Any change also asks the
   * server for the fresh role and state: a page opened as a viewer holds `workspace.readOnly`
   * from then. Removal, deletion and an ended session are not undone here.
   */
  private followAccess(readOnly: boolean): void {
    const before = this.indexReadOnly;
    this.indexReadOnly = readOnly;
    if (before === null || before === readOnly || this.destroyed) return;
    if (
      !readOnly &&
      (this.accessLoss === AccessLoss.readOnlyRole ||
        this.accessLoss === AccessLoss.workspaceReadOnly)
    ) {
      this.accessLoss = null;
    }
    // Two changes in a row: only the answer to the latest question applies.
    const asked = ++this.accessAsks;
    void this.askIdentity().then((answer) => {
      if (asked !== this.accessAsks || this.destroyed || !('identity' in answer)) return;
      this.applyIdentity(answer.identity);
    });
  }

  /** The latest loss is the one in force (a read-only role, then removed: removed). */
  private loseAccess(loss: AccessLoss | null): void {
    if (loss !== null && !this.destroyed) this.accessLoss = loss;
  }

  /**
   * Runs after the local copy loaded and again after the first sync. `ensureSchema` never
   * writes to an empty doc, so a fresh device writes nothing before it has the server's
   * copy; a device with an offline copy migrates it at once (deterministically, so it
   * merges with the same migration made elsewhere).
   */
  private checkSchema(): void {
    const states = [this.index.ensureSchema(), this.user.ensureSchema()];
    this.outdated = states.includes('future');
  }

  /** Online again: top up ticket numbers and give my pending tickets real ones. */
  private async afterSync(): Promise<void> {
    try {
      await this.numbers.refill();
      const pending = this.index.tickets.pendingNumbers(this.me!.id).map((t) => t.id);
      await this.numbers.assignPending(pending, (ticketId, number) =>
        this.withTicketDoc(ticketId, (ticket) =>
          assignTicketNumber(this.index, ticket, ticketId, number, this.actor, Date.now()),
        ),
      );
    } catch {
      // Offline or refused: pending tickets keep their provisional label until next time.
    }
    if (this.canWrite && !this.outdated) {
      // Old closed tickets leave the hot index for their month's archive shard.
      await this.archive.archiveOld(Date.now()).catch(() => undefined);
    }
  }

  private applyIdentity(identity: CachedIdentity): void {
    this.me = identity.me;
    this.workspace = identity.workspace.workspace;
    this.members = identity.workspace.members;
    this.deletedUserIds = identity.workspace.deletedUserIds ?? [];
  }

  /** Asks the server who I am and what the workspace is; caches a successful answer. */
  private async askIdentity(): Promise<IdentityAnswer> {
    try {
      const [me, workspace] = await Promise.all([fetchMe(), fetchWorkspace(this.slug)]);
      const identity = { me: me.user, workspace };
      localStorage.setItem(identityCacheKey(this.slug), JSON.stringify(identity));
      return { identity };
    } catch (error) {
      return { error };
    }
  }

  /** A first visit: nothing to start from but the server's answer. */
  private firstIdentity(answer: IdentityAnswer): CachedIdentity | null {
    if ('identity' in answer) return answer.identity;
    const { error } = answer;
    if (error instanceof ApiError && error.status === 0) {
      this.error =
        'The server cannot be reached and this workspace has not been opened on this device before. Connect once, then it works offline.';
    } else this.refuse(error);
    return null;
  }

  /**
   * Started from the cache: the server's answer now rules. Unreachable = offline, keep going;
   * a refusal (signed out, removed, workspace gone) ends the desk as it would have at start;
   * a different user or workspace behind the same address reopens the page with the right
   * replica; otherwise the fresh role, read-only state and members apply at once.
   */
  private confirmIdentity(cached: CachedIdentity, answer: IdentityAnswer): void {
    if (this.destroyed) return;
    if ('error' in answer) {
      const { error } = answer;
      if (!(error instanceof ApiError && error.status === 0)) this.refuse(error);
      return;
    }
    const fresh = answer.identity;
    if (
      fresh.me.id !== cached.me.id ||
      fresh.workspace.workspace.id !== cached.workspace.workspace.id
    ) {
      // The cache now holds the server's answer: the page opens again with the right replica.
      this.error = 'This page was opened for another account; loading it again.';
      this.reopen();
      return;
    }
    this.applyIdentity(fresh);
  }

  private refuse(error: unknown): void {
    if (error instanceof ApiError && error.code === ErrorCode.workspaceDeleted) {
      this.deleting = true;
      this.error = error.message;
      return;
    }
    if (error instanceof ApiError && (error.status === 401 || error.code === 'session_expired')) {
      this.needsLogin = true;
      this.error = error.message;
      return;
    }
    this.error = error instanceof Error ? error.message : 'The workspace could not be opened.';
  }
}

type IdentityAnswer = { identity: CachedIdentity } | { error: unknown };

function identityCacheKey(slug: string): string {
  return `desk:identity:${slug}`;
}

/** The identity cached when this workspace was last opened here, if any (and readable). */
function readCachedIdentity(slug: string): CachedIdentity | null {
  try {
    const cached = localStorage.getItem(identityCacheKey(slug));
    return cached ? (JSON.parse(cached) as CachedIdentity) : null;
  } catch {
    return null; // storage refused or an unreadable entry: ask the server
  }
}
