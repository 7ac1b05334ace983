import { CloseCode, DocErrorCode } from '@desk/protocol';

/** Everything the sync status bar shows, gathered from the client and the offline queues. */
export interface OfflineSnapshot {
  connection: {
    kind: 'connecting' | 'offline' | 'syncing' | 'synced' | 'error';
    syncingDocs: number;
    pendingUpdates: number;
    /** Connected, but an edit has waited too long for the server's ack (SyncStatus). */
    unconfirmed?: boolean;
    offlineSince?: number;
    error?: { code: number; message: string };
  };
  /** Docs with local changes the server has not confirmed (the store's dirty flags). */
  dirtyDocs: number;
  replication: {
    total: number;
    done: number;
    /** Tickets this device keeps, and those of them stored here (ReplicaProgress). */
    ticketsTotal: number;
    ticketsDone: number;
    running: boolean;
  };
  /** Attachments picked offline and not uploaded yet. */
  queuedUploads: number;
  /** Why the server last refused this workspace's docs, if it did. */
  refusal: DocErrorCode | null;
  /** The kind of doc refused (`index`, `ticket`, …), when known: a full index is a full workspace. */
  refusalDocKind?: string | null;
  /** Refused local changes kept as drafts. */
  drafts: number;
}

export type Tone = 'ok' | 'busy' | 'offline' | 'error';

export interface SyncDescription {
  tone: Tone;
  /** One line, always shown. */
  text: string;
  /** What it means for the user's work, when there is something to say. */
  detail: string | null;
}

const numberFormat = new Intl.NumberFormat('en-US');

export function count(n: number, one: string, many = `${one}s`): string {
  return `${numberFormat.format(n)} ${n === 1 ? one : many}`;
}

/** Local changes not yet on the server: unacknowledged updates or dirty docs, whichever is more. */
export function unsyncedChanges(snapshot: OfflineSnapshot): number {
  return Math.max(snapshot.connection.pendingUpdates, snapshot.dirtyDocs);
}

/**
 * The words of the status bar, from most to least urgent: a final error, a refusal, offline,
 * changes the server has not confirmed for too long, replication progress, changes on their
 * way, all saved. "All changes saved" only when nothing is waiting for the server.
 */
export function describeSync(
  snapshot: OfflineSnapshot,
  formatTime: (epochMs: number) => string,
): SyncDescription {
  const { connection, replication } = snapshot;
  const unsynced = unsyncedChanges(snapshot);
  const kept = unsynced > 0 ? `${count(unsynced, 'local change')} not yet on the server` : null;

  if (connection.kind === 'error') {
    return {
      tone: 'error',
      text: closeReason(connection.error?.code, connection.error?.message),
      detail: kept ? `${kept}: ${keptAfterClose(connection.error?.code)}` : null,
    };
  }
  if (snapshot.refusal) {
    return {
      tone: 'error',
      text: refusalReason(snapshot.refusal, snapshot.refusalDocKind ?? null),
      detail:
        snapshot.drafts > 0
          ? `${count(snapshot.drafts, 'refused change')} kept as drafts on this device — download them to keep your work.`
          : kept
            ? `${kept}; they stay on this device — download them to keep your work.`
            : null,
    };
  }
  if (connection.kind === 'offline') {
    const since = connection.offlineSince ? ` since ${formatTime(connection.offlineSince)}` : '';
    return {
      tone: 'offline',
      text: `Offline${since}`,
      detail: kept
        ? `${kept} — kept on this device, they sync when the connection is back.`
        : 'Working from this device; changes sync when the connection is back.',
    };
  }
  if (connection.kind === 'syncing' && connection.unconfirmed) {
    // The socket looks open but the server is silent: maybe a half-open network. The
    // heartbeat decides within seconds; until then, say what is known.
    return {
      tone: 'busy',
      text: 'Saving… (not yet confirmed by the server)',
      detail: `${kept ?? 'Your latest changes are not yet on the server'} — kept on this device; checking the connection.`,
    };
  }
  if (replication.running) {
    return {
      tone: 'busy',
      text:
        replication.ticketsTotal > 0
          ? ticketsOffline(replication)
          : `Syncing ${numberFormat.format(replication.done)} of ${numberFormat.format(replication.total)}`,
      detail: kept ?? 'Copying what you need to this device so it works offline.',
    };
  }
  if (connection.kind === 'connecting') {
    return { tone: 'busy', text: 'Connecting…', detail: kept };
  }
  if (kept) return { tone: 'busy', text: kept, detail: null };
  if (connection.kind === 'syncing' && connection.syncingDocs > 0) {
    return { tone: 'busy', text: `Syncing ${count(connection.syncingDocs, 'doc')}`, detail: null };
  }
  if (snapshot.queuedUploads > 0) {
    return {
      tone: 'busy',
      text: `${count(snapshot.queuedUploads, 'attachment')} waiting to upload`,
      detail: null,
    };
  }
  return { tone: 'ok', text: 'Online — all changes saved', detail: null };
}

/** "412 of 500 tickets available offline". */
export function ticketsOffline(replication: { ticketsTotal: number; ticketsDone: number }): string {
  return `${numberFormat.format(replication.ticketsDone)} of ${count(replication.ticketsTotal, 'ticket')} available offline`;
}

/**
 * What becomes of unsynced changes after a final close. A revoked session makes the device
 * forget the user's replicas (issue 16): promising they sync later would be false.
 */
function keptAfterClose(code: number | undefined): string {
  return code === CloseCode.sessionRevoked
    ? 'they cannot sync from this session — download them to keep your work.'
    : 'they stay on this device and sync after you sign in again as the same user.';
}

function closeReason(code: number | undefined, message: string | undefined): string {
  switch (code) {
    case CloseCode.unauthenticated:
      return 'Your session has ended. Sign in again to sync.';
    case CloseCode.sessionRevoked:
      return 'This session was ended (signed out elsewhere). Sign in again to sync.';
    case CloseCode.foreignOrigin:
      return 'The server refused this page’s address. Open the desk from its own address.';
    case CloseCode.protocolVersion:
      return 'This version of the app is too old for the server. Reload to update.';
    default:
      return message
        ? `Not syncing: ${message}`
        : 'Not syncing: the server refused the connection.';
  }
}

/**
 * The refusal in words. `docKind` tells a full workspace (the index, where every new ticket
 * goes, at the document-size limit) from one full ticket.
 */
export function refusalReason(code: DocErrorCode, docKind: string | null = null): string {
  switch (code) {
    case DocErrorCode.workspaceReadOnly:
      return 'This workspace is read-only now (suspended or trial ended): changes are not saved on the server.';
    case DocErrorCode.readOnlyRole:
      return 'Your role in this workspace is read-only: changes are not saved on the server.';
    case DocErrorCode.notMember:
    case DocErrorCode.accessRevoked:
      return 'You are no longer a member of this workspace: nothing syncs any more.';
    case DocErrorCode.workspaceDeleted:
      return 'This workspace is being deleted: nothing syncs any more.';
    case DocErrorCode.docTooLarge:
      // The index (and its archive shards) is where every new ticket goes: full means full.
      if (docKind === 'ticket')
        return 'This ticket has reached the size limit of the plan: the change was not saved.';
      if (docKind === 'notice' || docKind === 'channel')
        return `This ${docKind === 'notice' ? 'notice' : 'channel'} has reached the size limit of the plan: the change was not saved.`;
      return 'Workspace full — upgrade or archive. The change was not saved.';
    case DocErrorCode.ticketLimit:
      return 'Workspace full: the plan’s ticket limit is reached — upgrade, or delete old tickets. The new ticket was not saved.';
    case DocErrorCode.storageFull:
      return 'Workspace storage full: documents and attachments use all the storage of the plan — delete old attachments or tickets, or upgrade. The change was not saved; deleting still works.';
    case DocErrorCode.updateTooLarge:
      return 'A change was too large for the server and was not saved.';
    case DocErrorCode.tooManyDocs:
      return 'Too many documents open at once; some were not synced.';
    case DocErrorCode.malformedUpdate:
      return 'The server could not read a change from this device; it was not saved.';
    case DocErrorCode.invalidDocId:
      return 'A document of this workspace has an invalid name and was not synced.';
    case DocErrorCode.storageUnavailable:
      return 'The server’s storage is unavailable; it will be retried.';
    case DocErrorCode.rateLimited:
      return 'Too many changes at once: they are kept on this device and sent again in a moment.';
    case DocErrorCode.contentDisabled:
      return 'Access to this content has been disabled by the operator of this service.';
    case DocErrorCode.replicaTooOld:
      // SPEC IDX-GEN-7: the copy is reloaded from the server; the drafts line follows.
      return 'This device was offline longer than the workspace keeps offline copies: changes made on it meanwhile were not saved, and its copy was reloaded from the server.';
    default:
      return 'The server refused a change.';
  }
}

/**
 * Refusals that mean "stop: the user must know", as opposed to transient ones the client
 * recovers from by itself: it subscribes again and its step 2 carries what the server lacks
 * (SPEC CLIENT-2). Held as lasting, such a refusal kept the status bar on "The server refused
 * a change" after the change was saved.
 */
export function isLastingRefusal(code: DocErrorCode): boolean {
  return (
    code !== DocErrorCode.storageUnavailable &&
    code !== DocErrorCode.missingDependencies &&
    code !== DocErrorCode.rateLimited
  );
}
