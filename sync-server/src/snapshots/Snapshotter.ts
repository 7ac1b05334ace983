import { StaleFenceError, type LeaseFence } from '../store/DocStore.ts';
import { parseDocId } from '@desk/protocol';
import { newId } from '../ids/newId.ts';
import type { Logger } from '../log/logger.ts';
import { hashState, packState } from './blobCodec.ts';
import type { HeavyYjs } from '../offthread/HeavyYjs.ts';
import {
  SnapshotTrigger,
  type AsyncSnapshotStore,
  type PendingSnapshotDoc,
  type SnapshotDocRow,
  type SnapshotRecord,
} from './SnapshotStore.ts';
import type { AsyncWorkspaceReader, OpenAsyncWorkspaceReader } from './WorkspaceReader.ts';
import { Slicer } from './yieldToLoop.ts';

export interface CaptureOptions {
  trigger: SnapshotTrigger;
  authorUserId?: string | null;
  label?: string | null;
  restoreOf?: string | null;
  restoreScope?: string | null;
  /**
   * The workspace's `snapshots:<workspaceId>` lease (WorkspaceQueue), with every write of
   * the capture: refused once another process took the workspace over (null: one process).
   */
  fence?: LeaseFence | null;
}

/**
 * Private per-member documents (`<ws>:user:<userId>`: personal views, read markers) stay
 * out of snapshots: admins browse snapshots, and a workspace restore must not roll back
 * what each member keeps for themselves.
 */
export function isSnapshotDoc(docId: string): boolean {
  const parsed = parseDocId(docId);
  return parsed !== null && parsed.kind !== 'user';
}

/**
 * Captures every document of a workspace at one change sequence (a WorkspaceReader's
 * frozen view) into content-addressed blobs. A document whose change sequence is the one
 * the previous snapshot recorded is not read at all: its hash is reused. Work runs in
 * slices so sync traffic is never stalled behind a large workspace.
 */
export class Snapshotter {
  constructor(
    private readonly heavy: HeavyYjs,
    private readonly store: AsyncSnapshotStore,
    private readonly openReader: OpenAsyncWorkspaceReader,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** Callers serialize per workspace, across the cluster (WorkspaceQueue). */
  async capture(workspaceId: string, options: CaptureOptions): Promise<SnapshotRecord> {
    const reader = await this.openReader(workspaceId);
    const id = newId();
    let begun = false;
    try {
      const previous = await this.store.latest(workspaceId);
      const reusable =
        previous && previous.storeGeneration === reader.generation
          ? new Map((await this.store.docs(previous.id)).map((d) => [d.docId, d]))
          : new Map<string, SnapshotDocRow>();
      const fence = options.fence ?? null;
      await this.store.begin(
        {
          id,
          workspaceId,
          createdAt: this.now(),
          seq: reader.seq,
          storeGeneration: reader.generation,
          trigger: options.trigger,
          authorUserId: options.authorUserId ?? null,
          label: options.label ?? null,
          restoreOf: options.restoreOf ?? null,
          restoreScope: options.restoreScope ?? null,
        },
        fence,
      );
      begun = true;

      const slicer = new Slicer();
      let addedBytes = 0;
      let batch: PendingSnapshotDoc[] = [];
      const flush = async () => {
        let items = batch;
        batch = [];
        while (items.length > 0) {
          const { addedBytes: added, missing } = await this.store.commitDocs(
            id,
            items,
            this.now(),
            fence,
          );
          addedBytes += added;
          // Blobs another workspace's retention removed meanwhile: store them again.
          items = [];
          for (const row of missing) items.push(await this.#pack(reader, row));
        }
      };
      for (const { docId, seq } of reader.docs) {
        if (!isSnapshotDoc(docId)) continue;
        const before = reusable.get(docId);
        if (before && before.docSeq === seq) {
          batch.push({ row: before, blob: null });
        } else {
          const parts = await reader.load(docId);
          const bytes = parts.reduce((sum, p) => sum + p.byteLength, 0);
          const state = await this.heavy.run('merge', [parts], bytes);
          if (state) {
            const hash = hashState(state);
            const row = { docId, hash, docSeq: seq };
            batch.push(
              (await this.store.hasBlob(hash))
                ? { row, blob: null }
                : { row, blob: { packed: await packState(state), size: state.byteLength } },
            );
          }
        }
        const pendingBytes = batch.reduce((sum, d) => sum + (d.blob?.packed.byteLength ?? 0), 0);
        if (batch.length >= BATCH_DOCS || pendingBytes >= BATCH_BYTES) await flush();
        await slicer.maybeYield();
      }
      await flush();
      await this.store.complete(id, addedBytes, fence);
      const record = await this.store.get(workspaceId, id);
      if (!record) throw new Error(`snapshot ${id} vanished after its capture`);
      this.log.info(
        {
          workspaceId,
          snapshotId: id,
          trigger: options.trigger,
          seq: reader.seq,
          docs: record.docCount,
          addedBytes,
        },
        'snapshot captured',
      );
      return record;
    } catch (err) {
      // Refused by a newer holder's fence: this process writes nothing more, not even the
      // removal of its half capture (the start-up cleaning of a later process removes it).
      if (begun && !(err instanceof StaleFenceError)) await this.store.delete([id], options.fence);
      throw err;
    } finally {
      reader.close();
    }
  }

  async #pack(reader: AsyncWorkspaceReader, row: SnapshotDocRow): Promise<PendingSnapshotDoc> {
    const parts = await reader.load(row.docId);
    const bytes = parts.reduce((sum, p) => sum + p.byteLength, 0);
    const state = (await this.heavy.run('merge', [parts], bytes)) ?? new Uint8Array();
    return { row, blob: { packed: await packState(state), size: state.byteLength } };
  }
}

/**
 * Documents written per transaction: one fsync per batch, not per document — but a commit
 * (synchronous = FULL) holds the event loop while it syncs, so batches stay small in bytes.
 */
const BATCH_DOCS = 200;
const BATCH_BYTES = 256 * 1024;

export { SnapshotTrigger };
