import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { ErrorCode, type AuditAction, type ExportSummary } from '@desk/protocol';
import { AppError } from '../http/AppError.ts';
import type { UserStore } from '../identity/UserStore.ts';
import { InProcessJobLease, type JobLease } from '../lifecycle/JobLease.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import { newId } from '../ids/newId.ts';
import type { Logger } from '../log/logger.ts';
import {
  ExportBuilder,
  ExportInterrupted,
  type ExportBuilderDeps,
  type ExportStores,
} from './ExportBuilder.ts';
import type { ExportFiles } from './ExportFiles.ts';
import type { BlobStorage } from '../blobs/BlobStorage.ts';
import type { AsyncExportStore, ExportRow, StoredZip } from './ExportStore.ts';

/** @default 7 days — long enough to download over a week-end, short enough not to pile up. */
export const DEFAULT_EXPORT_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** What the service reads besides the builder's stores: each job's requester (`summary`). */
export interface ExportServiceStores extends ExportStores {
  readonly users: AsyncStore<UserStore>;
}

export interface ExportServiceDeps extends ExportBuilderDeps {
  readonly control: ExportServiceStores;
  /** How long a finished export can be downloaded before its file is deleted. */
  readonly ttlMs: number;
  /**
   * True while the workspace is being deleted (WorkspaceDeletionStore.pending, read through
   * the control plane: on a cluster the deletion may be asked on another process): no export
   * of it starts, resumes or finishes then — a zip written after the purge would outlive it.
   * Asked before each document of a build.
   */
  readonly closing?: (workspaceId: string) => Promise<boolean>;
  /**
   * Who builds a job: a build holds `export:<id>` (EXPORT_JOB_LEASE) while it runs, so on a
   * cluster, where every starting process resumes the interrupted jobs, each is built by one
   * process at a time. @default InProcessJobLease (one process)
   */
  readonly jobLease?: JobLease;
}

/**
 * How old a stored zip no export names must be before the sweep deletes it. @default 1 day —
 * a build records its zip moments after storing it, so a younger one may be a build in
 * progress on another process; an older one was left by a process that died in between.
 */
export const ORPHAN_ZIP_MS = 24 * 60 * 60 * 1000;

/** Zip addresses asked of the store per statement (far below either database's parameter limit). */
const NAMED_ZIPS_BATCH = 500;

/** The lease a build of export `id` holds (a cluster's `RedisJobLease`: `job:export:<id>`). */
export const exportJobLeaseName = (exportId: string) => `export:${exportId}`;

/** What a cancelled export says (its `error`): the workspace it would hold is being deleted. */
export const EXPORT_CANCELLED_BY_DELETION = 'Cancelled: the workspace is being deleted.';

/**
 * Workspace exports as background jobs (issue 16): requested by an owner or admin, built
 * one at a time in this process (an export reads every document; two at once would only
 * compete for the same disk and worker), listed with their progress, downloadable by their
 * requester only until they expire. Every step is in the workspace's audit log. Jobs a
 * restart interrupted are resumed by `resume()` at start-up — on a cluster by every process
 * that starts, each build under its job's lease, so a job one process is building is skipped
 * by the others (and taken over by the next start once its holder died).
 */
export class ExportService {
  readonly #builder: ExportBuilder;
  readonly #log: Logger;
  #queue: Promise<void> = Promise.resolve();
  #pending = 0;
  #stopping = false;
  /** The job being built now (one at a time) and the promise that settles with it. */
  #running: { workspaceId: string; settled: Promise<void> } | null = null;
  readonly #lease: JobLease;

  constructor(private readonly deps: ExportServiceDeps) {
    this.#builder = new ExportBuilder(deps);
    this.#log = deps.log.child({ module: 'exports' });
    this.#lease = deps.jobLease ?? new InProcessJobLease();
  }

  get #store(): AsyncExportStore {
    return this.deps.control.exportJobs;
  }

  get files(): ExportFiles {
    return this.deps.files;
  }

  /** Where finished zips are kept (a ready row's `zipSha256` is the address). */
  get zips(): BlobStorage {
    return this.deps.zips;
  }

  /** Queues an export of the workspace for `userId`; returns it at once. */
  async request(workspaceId: string, userId: string): Promise<ExportRow> {
    if (await this.#closing(workspaceId)) {
      throw new AppError(ErrorCode.workspaceDeleted, 410, 'This workspace is being deleted.');
    }
    const row = await this.#store.create({
      id: newId(),
      workspaceId,
      requestedBy: userId,
      createdAt: this.deps.now(),
    });
    await this.#audit(row, 'export.requested', { kind: 'user', userId });
    this.#enqueue(row.id);
    return row;
  }

  /** Picks up every job a restart interrupted (their finished parts are kept). */
  async resume(): Promise<number> {
    const jobs: ExportRow[] = [];
    for (const job of await this.#store.unfinished()) {
      if (!(await this.#closing(job.workspaceId))) {
        jobs.push(job);
        continue;
      }
      await this.#cancel(job);
      void this.deps.files.remove(job.id).catch(() => undefined);
    }
    for (const job of jobs) {
      this.#log.info({ exportId: job.id, done: job.done, total: job.total }, 'resuming export');
      this.#enqueue(job.id);
    }
    return jobs.length;
  }

  list(workspaceId: string): Promise<ExportRow[]> {
    return this.#store.ofWorkspace(workspaceId);
  }

  async get(workspaceId: string, exportId: string): Promise<ExportRow> {
    const row = await this.#store.get(exportId);
    if (!row || row.workspaceId !== workspaceId) throw AppError.notFound('No such export.');
    return row;
  }

  /**
   * The zip of a ready export for its requester (audited as `export.downloaded`), read from
   * the zip storage — on a cluster whichever process built it. Anyone else — another admin,
   * the owner — is refused: an export holds the whole workspace, and it was handed to one
   * person.
   */
  async download(
    workspaceId: string,
    exportId: string,
    userId: string,
  ): Promise<{ row: ExportRow; size: number; stream: Readable }> {
    const row = await this.get(workspaceId, exportId);
    if (row.requestedBy !== userId) {
      throw AppError.forbidden('Only the person who requested this export can download it.');
    }
    if (row.state === 'expired' || (row.expiresAt !== null && row.expiresAt <= this.deps.now())) {
      throw new AppError(ErrorCode.exportExpired, 410, 'This export has expired. Start a new one.');
    }
    if (row.state !== 'ready')
      throw new AppError(ErrorCode.exportNotReady, 409, 'This export is not ready yet.');
    const zip = await this.#openZip(row);
    if (!zip) throw AppError.notFound('The export file is missing.');
    await this.#audit(row, 'export.downloaded', { kind: 'user', userId });
    return { row, ...zip };
  }

  /**
   * The stored zip and its size; null when it is gone. An export finished before the zip
   * storage (no `zipSha256`) is still the file DATA_DIR/exports/<id>.zip of its process.
   */
  async #openZip(row: ExportRow): Promise<{ size: number; stream: Readable } | null> {
    if (row.zipSha256 === null) {
      const file = this.deps.files.zip(row.id);
      const stat = await fs.promises.stat(file).catch(() => null);
      return stat ? { size: stat.size, stream: fs.createReadStream(file) } : null;
    }
    if (row.bytes === null) return null;
    const stream = await this.deps.zips.open(row.zipSha256).catch(() => null);
    return stream ? { size: row.bytes, stream } : null;
  }

  /** Deletes the files of exports whose time is up (audited as `export.expired`). */
  async expireDue(): Promise<number> {
    const due = await this.#store.dueToExpire(this.deps.now());
    for (const row of due) {
      // The zip first: a failed delete leaves the row due, and the next sweep tries again.
      await this.#removeZip(row.id, row.zipSha256);
      await this.#store.expired(row.id);
      await this.#audit(row, 'export.expired', { kind: 'system', userId: null });
    }
    return due.length;
  }

  /**
   * Deletes the zips in the zip storage that no export names and that were stored more than
   * ORPHAN_ZIP_MS before `wallNow`; returns how many. They are left by a process that died
   * after storing a zip and before marking its job ready (the job is built again on the next
   * start, into a new zip), or between removing a purged workspace's rows and its zips.
   * `wallNow` is the wall clock, not `deps.now`: the storages stamp blobs with it (a file's
   * mtime, S3's LastModified, `blob_contents.created_at`). Run with the expiry sweep.
   */
  async sweepOrphanZips(wallNow: number = Date.now()): Promise<number> {
    const stored = await this.deps.zips.storedBefore(wallNow - ORPHAN_ZIP_MS);
    const named = new Set<string>();
    for (let i = 0; i < stored.length; i += NAMED_ZIPS_BATCH) {
      const batch = stored.slice(i, i + NAMED_ZIPS_BATCH);
      for (const sha256 of await this.#store.namedZips(batch)) named.add(sha256);
    }
    const orphans = stored.filter((sha256) => !named.has(sha256));
    for (const sha256 of orphans) {
      await this.deps.zips.delete(sha256);
      this.#log.info({ zipSha256: sha256 }, 'deleted an export zip no export names');
    }
    return orphans.length;
  }

  /**
   * The workspace is being deleted: its queued and running exports are marked failed with
   * EXPORT_CANCELLED_BY_DELETION (audited as `export.cancelled`), the one being built stops
   * before its next document, and this resolves once it has stopped and its files are gone.
   */
  async cancelWorkspace(workspaceId: string): Promise<void> {
    for (const job of await this.#store.unfinished()) {
      if (job.workspaceId === workspaceId) await this.#cancel(job);
    }
    const running = this.#running;
    if (running?.workspaceId === workspaceId) await running.settled;
    for (const job of await this.#store.ofWorkspace(workspaceId)) {
      if (job.error === EXPORT_CANCELLED_BY_DELETION) await this.deps.files.remove(job.id);
    }
  }

  /** Every export of a deleted workspace: rows, zips and files (an in-flight one stopped first). */
  async deleteWorkspaceExports(workspaceId: string): Promise<void> {
    await this.cancelWorkspace(workspaceId);
    for (const removed of await this.#store.deleteWorkspace(workspaceId)) {
      await this.#removeZip(removed.id, removed.zipSha256);
    }
  }

  /** An export's zip in the zip storage, and whatever of it is on this process's disk. */
  async #removeZip(exportId: string, zipSha256: string | null): Promise<void> {
    if (zipSha256 !== null) await this.deps.zips.delete(zipSha256);
    await this.deps.files.remove(exportId);
  }

  async summary(row: ExportRow, viewerId: string): Promise<ExportSummary> {
    const requester = await this.deps.control.users.byId(row.requestedBy);
    const live = row.expiresAt === null || row.expiresAt > this.deps.now();
    return {
      id: row.id,
      state: row.state === 'ready' && !live ? 'expired' : row.state,
      requestedBy: { id: row.requestedBy, name: requester?.displayName ?? 'Deleted user' },
      createdAt: row.createdAt,
      finishedAt: row.finishedAt,
      expiresAt: row.expiresAt,
      progress: { done: row.done, total: row.total },
      bytes: row.bytes,
      error: row.error,
      downloadable: row.state === 'ready' && live && row.requestedBy === viewerId,
    };
  }

  /** Resolves when the queue is empty (tests, shutdown after `stop`). */
  async idle(): Promise<void> {
    while (this.#pending > 0) await this.#queue;
  }

  /** Stops between documents; the running job stays `running` and resumes on the next start. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.idle();
  }

  #enqueue(exportId: string): void {
    this.#pending += 1;
    this.#queue = this.#queue
      .then(() => this.#run(exportId))
      .finally(() => {
        this.#pending -= 1;
      });
  }

  async #run(exportId: string): Promise<void> {
    if (this.#stopping) return;
    const outcome = await this.#lease.runOnce(exportJobLeaseName(exportId), async (lost) => {
      // Read under the lease: another process may have finished it meanwhile.
      const row = await this.#store.get(exportId);
      if (!row || (row.state !== 'queued' && row.state !== 'running')) return;
      const settled = this.#build(row, lost);
      this.#running = { workspaceId: row.workspaceId, settled };
      try {
        await settled;
      } finally {
        this.#running = null;
      }
    });
    if (outcome === 'held elsewhere') {
      this.#log.info({ exportId }, 'export being built by another process; skipped here');
    }
  }

  async #build(row: ExportRow, lost: AbortSignal): Promise<void> {
    if (await this.#closing(row.workspaceId)) return this.#cancelled(row);
    const started = performance.now();
    /** The zip once stored, until the row names it: a failure in between deletes it. */
    let unclaimed: StoredZip | null = null;
    try {
      const zip = await this.#builder.build(
        row,
        // A lease lost (its holder was frozen past its time) stops as a shutdown does: the
        // job stays `running` for the process that holds it now, or for the next start.
        async () => this.#stopping || lost.aborted || (await this.#closing(row.workspaceId)),
      );
      unclaimed = zip;
      // Asked to delete while the zip was written: it must not be handed out.
      if (await this.#closing(row.workspaceId)) return await this.#cancelled(row, zip);
      const now = this.deps.now();
      await this.#store.ready(row.id, zip, now, now + this.deps.ttlMs);
      unclaimed = null;
      await this.#audit(
        row,
        'export.completed',
        { kind: 'system', userId: null },
        { bytes: zip.bytes },
      );
      this.#log.info(
        {
          exportId: row.id,
          workspaceId: row.workspaceId,
          bytes: zip.bytes,
          ms: Math.round(performance.now() - started),
        },
        'export ready',
      );
    } catch (err) {
      if (await this.#closing(row.workspaceId)) return await this.#cancelled(row, unclaimed);
      if (err instanceof ExportInterrupted) {
        this.#log.info({ exportId: row.id }, 'export interrupted; it resumes on the next start');
        return;
      }
      this.#log.error({ err, exportId: row.id }, 'export failed');
      await this.#store.failed(
        row.id,
        'The export could not be written. Try again.',
        this.deps.now(),
      );
      await this.#audit(row, 'export.failed', { kind: 'system', userId: null });
      await this.#removeZip(row.id, unclaimed?.sha256 ?? null).catch(() => undefined);
    }
  }

  async #closing(workspaceId: string): Promise<boolean> {
    return (await this.deps.closing?.(workspaceId)) ?? false;
  }

  /** Marks a queued or running job cancelled by the workspace's deletion (once). */
  async #cancel(job: ExportRow): Promise<void> {
    const row = await this.#store.get(job.id);
    if (!row || (row.state !== 'queued' && row.state !== 'running')) return;
    await this.#store.failed(row.id, EXPORT_CANCELLED_BY_DELETION, this.deps.now());
    await this.#audit(
      row,
      'export.cancelled',
      { kind: 'system', userId: null },
      { reason: 'deletion' },
    );
    this.#log.info({ exportId: row.id, workspaceId: row.workspaceId }, 'export cancelled');
  }

  /** The build stopped because of the deletion: the job is cancelled and its files removed. */
  async #cancelled(row: ExportRow, zip: StoredZip | null = null): Promise<void> {
    await this.#cancel(row);
    await this.#removeZip(row.id, zip?.sha256 ?? null).catch(() => undefined);
  }

  async #audit(
    row: ExportRow,
    action: AuditAction,
    actor: { kind: 'user' | 'system'; userId: string | null },
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await this.deps.control.audit.record({
      actor,
      action,
      target: { kind: 'export', id: row.id },
      workspaceId: row.workspaceId,
      details: { requestedBy: row.requestedBy, ...details },
    });
  }
}
