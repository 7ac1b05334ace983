import { encodeClientMessage, MessageType, parseDocId } from '@desk/protocol';
import type { CatchUpResultMessage } from '@desk/protocol';
import type { LocalStore } from '../store/LocalStore.ts';

export interface CatchUpHost {
  readonly store: LocalStore;
  send(frame: Uint8Array): boolean;
  /** The current socket's epoch: a result for an older socket is ignored. */
  epoch(): number;
  /** Docs that are loaded right now (open or replicating), whatever the store says. */
  loadedDocIds(): Iterable<string>;
  /** Syncs docs in the background; resolves when each is in sync or refused. */
  syncInBackground(docIds: readonly string[]): Promise<unknown>;
  /** Every changed doc is synced: the replica is current as of the server's `serverTime`. */
  caughtUp?(workspaceId: string, serverTime: number): void;
  changed(): void;
  log(event: string, details: Record<string, unknown>): void;
}

interface Running {
  epoch: number;
  held: string[];
  dirty: string[];
}

/**
 * Catch-up in proportion to change (DESIGN §4.1). On every welcome, per workspace the
 * client holds docs of: send the last change sequence seen (with its store generation);
 * the server names the docs changed since; only those (plus docs with local changes the
 * server may lack, plus all of them when the generation changed) are synced. The sequence
 * is saved only after they all are, so an interrupted catch-up repeats rather than skips.
 */
export class CatchUp {
  readonly #host: CatchUpHost;
  readonly #running = new Map<string, Running>();

  constructor(host: CatchUpHost) {
    this.#host = host;
  }

  get isRunning(): boolean {
    return this.#running.size > 0;
  }

  /**
   * Starts catch-up for workspaces that have never had one (no stored sequence), e.g. when
   * replication starts holding a new workspace: its sequence is recorded now, so the next
   * reconnect asks only for what changed since instead of re-syncing every held doc.
   */
  async ensureStarted(workspaceIds: Iterable<string>): Promise<void> {
    const missing = new Set<string>();
    try {
      for (const workspaceId of new Set(workspaceIds)) {
        if (this.#running.has(workspaceId)) continue;
        if (!(await this.#host.store.getWorkspaceMeta(workspaceId))) missing.add(workspaceId);
      }
    } catch (err) {
      this.#host.log('catch_up_failed', { error: String(err) });
      return;
    }
    if (missing.size > 0) await this.start(missing);
  }

  /** Catch-up for every workspace the client holds docs of (or only `only`). */
  async start(only?: ReadonlySet<string>): Promise<void> {
    const epoch = this.#host.epoch();
    const byWorkspace = new Map<string, Running>();
    const entry = (workspaceId: string) => {
      let running = byWorkspace.get(workspaceId);
      if (!running) {
        running = { epoch, held: [], dirty: [] };
        byWorkspace.set(workspaceId, running);
      }
      return running;
    };
    try {
      for (const { docId, dirty } of await this.#host.store.listDocs()) {
        const parsed = parseDocId(docId);
        if (!parsed) continue;
        const running = entry(parsed.workspaceId);
        running.held.push(docId);
        if (dirty) running.dirty.push(docId);
      }
      for (const docId of this.#host.loadedDocIds()) {
        const parsed = parseDocId(docId);
        if (parsed) entry(parsed.workspaceId);
      }
      for (const [workspaceId, running] of byWorkspace) {
        if (only && !only.has(workspaceId)) continue;
        if (this.#running.has(workspaceId)) continue;
        const meta = await this.#host.store.getWorkspaceMeta(workspaceId);
        if (epoch !== this.#host.epoch()) return;
        this.#running.set(workspaceId, running);
        this.#host.send(
          encodeClientMessage({
            type: MessageType.catchUp,
            workspaceId,
            sinceSeq: meta?.seq ?? 0,
            generation: meta?.generation ?? '',
          }),
        );
      }
    } catch (err) {
      this.#host.log('catch_up_failed', { error: String(err) });
    }
    this.#host.changed();
  }

  async handleResult(result: CatchUpResultMessage): Promise<void> {
    const running = this.#running.get(result.workspaceId);
    if (!running || running.epoch !== this.#host.epoch()) return;
    const held = new Set(running.held);
    const toSync = new Set<string>(running.dirty);
    if (result.full) {
      for (const docId of running.held) toSync.add(docId);
    } else {
      for (const { docId } of result.changed) if (held.has(docId)) toSync.add(docId);
    }
    this.#host.log('catch_up', {
      workspaceId: result.workspaceId,
      full: result.full,
      changed: result.changed.length,
      syncing: toSync.size,
    });
    try {
      await this.#host.syncInBackground([...toSync]);
      if (running.epoch === this.#host.epoch()) {
        // Protocol 5: the replica's age stamp, named in every later subscribe (IDX-GEN-7).
        const syncedAt = result.serverTime;
        await this.#host.store.setWorkspaceMeta(result.workspaceId, {
          seq: result.seq,
          generation: result.generation,
          ...(syncedAt === undefined ? {} : { syncedAt }),
        });
        if (syncedAt !== undefined) this.#host.caughtUp?.(result.workspaceId, syncedAt);
      }
    } catch (err) {
      this.#host.log('catch_up_failed', { workspaceId: result.workspaceId, error: String(err) });
    } finally {
      if (this.#running.get(result.workspaceId) === running) {
        this.#running.delete(result.workspaceId);
        this.#host.changed();
      }
    }
  }

  /**
   * The server refused catch-up for a workspace (a docError naming the workspace id, e.g.
   * not_member): nothing to sync; the held docs report their own refusals when opened.
   */
  refused(workspaceId: string): boolean {
    if (!this.#running.delete(workspaceId)) return false;
    this.#host.changed();
    return true;
  }

  /** The socket is gone: results of this epoch will never come. */
  reset(): void {
    this.#running.clear();
  }
}
