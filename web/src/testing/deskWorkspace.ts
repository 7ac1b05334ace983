import type { DisabledItemEntry, DocErrorCode } from '@desk/protocol';
import type {
  ConnectionStatus,
  DocHandle,
  DocRefusalNotice,
  DocSource,
} from '$lib/offline/DocSource.ts';
import type { Me, WorkspacePayload, WorkspaceRole } from '@desk/protocol';
import { LocalDocSource } from '$lib/desk/LocalDocSource.ts';
import { DeskWorkspace } from '$lib/desk/DeskWorkspace.svelte.ts';

/**
 * The sync layer as the desk sees it, driven by the test: the real local replica
 * (LocalDocSource over IndexedDB) plus the two things only a server produces, connection
 * states and refusals, which the test emits.
 */
export class ScriptedDocSource implements DocSource {
  status: ConnectionStatus = { kind: 'connecting', pendingUpdates: 0 };
  readonly #local = new LocalDocSource();
  readonly #statusListeners = new Set<(status: ConnectionStatus) => void>();
  readonly #refusalListeners = new Set<(refusal: DocRefusalNotice) => void>();
  readonly #disabledListeners = new Set<
    (workspaceId: string, items: readonly DisabledItemEntry[]) => void
  >();
  readonly #syncs = new Map<string, (() => void)[]>();
  /**
   * Docs synced to this device before (partial replication, issue 15); null: every doc is.
   * Tests of on-demand fetching set it and mark a doc `synced` when "the server" answers.
   */
  held: Set<string> | null = null;

  open(docId: string): DocHandle {
    const handle = this.#local.open(docId);
    const whenSynced = new Promise<void>((resolve) => {
      this.#syncs.set(docId, [...(this.#syncs.get(docId) ?? []), resolve]);
    });
    return { ...handle, whenSynced };
  }

  isHeld(docId: string): Promise<boolean> {
    return Promise.resolve(this.held === null || this.held.has(docId));
  }

  markHeld(docId: string): void {
    this.held?.add(docId);
  }

  /** The server's copy of `docId` has arrived: every open handle's `whenSynced` resolves. */
  synced(docId: string): void {
    for (const resolve of this.#syncs.get(docId) ?? []) resolve();
    this.#syncs.delete(docId);
  }

  subscribe(listener: (status: ConnectionStatus) => void): () => void {
    this.#statusListeners.add(listener);
    listener(this.status);
    return () => this.#statusListeners.delete(listener);
  }

  onRefusal(listener: (refusal: DocRefusalNotice) => void): () => void {
    this.#refusalListeners.add(listener);
    return () => this.#refusalListeners.delete(listener);
  }

  onDisabledItems(
    listener: (workspaceId: string, items: readonly DisabledItemEntry[]) => void,
  ): () => void {
    this.#disabledListeners.add(listener);
    return () => this.#disabledListeners.delete(listener);
  }

  /** The server pushes a workspace's whole list of disabled items (terms §4). */
  emitDisabledItems(workspaceId: string, items: readonly DisabledItemEntry[]): void {
    for (const listener of this.#disabledListeners) listener(workspaceId, items);
  }

  /** The connection changes (the server closed the socket, it came back, …). */
  emitStatus(status: ConnectionStatus): void {
    this.status = status;
    for (const listener of this.#statusListeners) listener(status);
  }

  /** The server refuses a document with `code` (and `message`, the code if not given). */
  refuse(docId: string, code: DocErrorCode, message: string = code): void {
    for (const listener of this.#refusalListeners) listener({ docId, code, message });
  }

  destroy(): void {
    this.#statusListeners.clear();
    this.#refusalListeners.clear();
    this.#local.destroy();
  }
}

let workspaces = 0;

export interface DeskIdentity {
  readonly slug: string;
  readonly me: Me['user'];
  readonly workspace: WorkspacePayload;
}

/**
 * Remembers an identity as the app does after a first online start: here the server is
 * never reachable (node has no origin for `/api/...`), so the desk workspace opens from this cache,
 * its local-first path. Each call makes a new workspace, so tests share no replica.
 */
export function rememberIdentity(role: WorkspaceRole = 'agent', readOnly = false): DeskIdentity {
  workspaces += 1;
  const slug = `acme-${workspaces}`;
  const me: Me['user'] = {
    id: 'u-ann',
    email: 'ann@example.com',
    displayName: 'Ann',
    phone: null,
    platformRole: null,
  };
  const workspace: WorkspacePayload = {
    workspace: {
      id: `ws-${workspaces}`,
      slug,
      name: 'Acme',
      role,
      state: 'active',
      readOnly,
      readOnlyReason: readOnly ? 'viewer' : null,
      plan: {
        id: 'starter',
        name: 'Starter',
        seatLimit: 10,
        storageQuotaBytes: 10 * 1024 ** 3,
        documentSizeLimitBytes: 10 * 1024 ** 2,
        snapshotRetentionDays: 30,
      },
      seats: { used: 2, limit: 10, pendingInvitations: 0 },
      trialEndsAt: null,
      deleteAfter: null,
      customer: { id: 'c-acme', name: 'Acme', isCustomerOwner: false },
    },
    members: [
      { userId: me.id, displayName: me.displayName, email: me.email, role, joinedAt: 1 },
      { userId: 'u-bo', displayName: 'Bo', email: 'bo@example.com', role: 'agent', joinedAt: 2 },
    ],
  };
  localStorage.setItem(`desk:identity:${slug}`, JSON.stringify({ me, workspace }));
  return { slug, me, workspace };
}

/** A started DeskWorkspace over a ScriptedDocSource, from a remembered identity. */
export async function openDeskWorkspace(
  identity: DeskIdentity = rememberIdentity(),
): Promise<{ desk: DeskWorkspace; source: ScriptedDocSource }> {
  let source: ScriptedDocSource | undefined;
  const desk = new DeskWorkspace(identity.slug, () => (source = new ScriptedDocSource()));
  await desk.start();
  if (!source || !desk.ready) throw new Error(`the desk did not start: ${desk.error}`);
  return { desk, source };
}
