import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type yauzl from 'yauzl';
import { ErrorCode, EXPORT_FORMAT_VERSION, RefusedLimit } from '@desk/protocol';
import { ArchiveManifest, type ImportWorkspaceResponse } from '@desk/protocol/rest';
import type { AuditStore } from '../audit/AuditStore.ts';
import type { BlobCatalog } from '../blobs/BlobCatalog.ts';
import type { AsyncBlobQuota } from '../blobs/BlobQuota.ts';
import { BlobTooLargeError, type BlobStorage } from '../blobs/BlobStorage.ts';
import { MAX_BLOB_BYTES } from '../blobs/blobRoutes.ts';
import { detectContentType, isRefusedType, TYPE_SAMPLE_BYTES } from '../blobs/contentType.ts';
import type { AsyncTransactions } from '../db/Transactions.ts';
import { AppError } from '../http/AppError.ts';
import type { Logger } from '../log/logger.ts';
import type { NewUpdate } from '../store/DocStore.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { WorkspaceAccessStore } from '../workspaces/WorkspaceAccessStore.ts';
import type { WorkspaceStore } from '../workspaces/WorkspaceStore.ts';
import { exportedKind } from './exportOps.ts';

/** Documents appended per store transaction while importing. @default 200 */
const DOCS_PER_BATCH = 200;
/** A document name of an export: a kind, then an id of safe characters. */
const DOC_NAME = /^[a-z]+(?::[A-Za-z0-9_.~-]{1,128})?$/;

/**
 * The stores an import reads and writes, on their async interfaces (issue 19: PostgreSQL
 * may answer); part of `Services.control`.
 */
export interface ImporterStores {
  readonly transactions: AsyncTransactions;
  readonly workspaces: AsyncStore<WorkspaceStore>;
  readonly workspaceAccess: AsyncStore<WorkspaceAccessStore>;
  readonly audit: AsyncStore<AuditStore>;
  /** The new workspace's storage quota, taken by each restored attachment as by an upload. */
  readonly blobQuota: AsyncBlobQuota;
  readonly blobCatalog: AsyncStore<BlobCatalog>;
}

/**
 * Where an import writes the new workspace's documents: the sync engine's write path
 * (`engineDocsWriter`, either store), or a `DocStore` when no engine runs (the CLI, on the
 * server's SQLite file while the server is stopped).
 */
export interface ImportedDocsWriter {
  append(updates: readonly NewUpdate[]): unknown;
}

export interface ImporterDeps {
  readonly control: ImporterStores;
  readonly docs: ImportedDocsWriter;
  readonly blobs: BlobStorage;
  readonly now: () => number;
  readonly log: Logger;
  /** Told when documents were written past the sync engine, so search indexes them now. */
  readonly searchProjector?: { wake(): void };
}

export interface ImportRequest {
  readonly zipPath: string;
  readonly ownerUserId: string;
  readonly name: string;
  readonly slug: string;
  /** Who asked: the owner from the app, or an operator on the CLI. */
  readonly actor: { kind: 'user' | 'operator' | 'system'; userId: string | null };
}

const invalid = (message: string) => new AppError(ErrorCode.importInvalid, 422, message);
/** A plan limit the archive would pass (413 `payload_too_large`, `limit` names it). */
const overLimit = (limit: RefusedLimit, message: string) =>
  new AppError(ErrorCode.payloadTooLarge, 413, message, { limit });

/**
 * Creates a fresh workspace from an export's zip (issue 16) with identical documents: each
 * document's raw Yjs state is appended as the new document's first update, under the new
 * workspace's id (`<old>:ticket:x` → `<new>:ticket:x`), and every attachment goes back into
 * the blob store under the workspace's storage quota. The whole zip is checked first — the
 * manifest, every document's SHA-256, every attachment's type (from its bytes, as an upload
 * is), and the new workspace's plan limits: tickets, document size, attachment size and
 * storage (SPEC.md, LIMIT-13) — so a bad or too large archive creates nothing; the workspace
 * is created in one transaction with that check.
 */
export class WorkspaceImporter {
  constructor(private readonly deps: ImporterDeps) {}

  async import(request: ImportRequest): Promise<ImportWorkspaceResponse> {
    let zip: yauzl.ZipFile;
    // Loaded when an archive is imported, not at every start (issue 13's idle memory).
    const { default: unzip } = await import('yauzl');
    try {
      zip = await unzip.openPromise(request.zipPath, {
        lazyEntries: true,
        autoClose: false,
        validateEntrySizes: true,
      });
    } catch {
      throw invalid('This file is not a zip archive.');
    }
    try {
      const entries = new Map<string, yauzl.Entry>();
      for await (const entry of zip.eachEntry()) entries.set(entry.fileName, entry);
      const manifest = await this.#manifest(zip, entries);

      // Every document is read and checked before anything is written.
      let docBytes = 0;
      let tickets = 0;
      let largest = { name: '', bytes: 0 };
      for (const doc of manifest.documents) {
        if (!DOC_NAME.test(doc.name) || exportedKind(doc.name) === null) {
          throw invalid(`The archive holds a document that cannot be imported (${doc.name}).`);
        }
        const state = await this.#read(zip, entries, doc.file);
        if (createHash('sha256').update(state).digest('hex') !== doc.sha256) {
          throw invalid(`The document ${doc.name} is damaged (its checksum does not match).`);
        }
        docBytes += state.byteLength;
        if (state.byteLength > largest.bytes) largest = { name: doc.name, bytes: state.byteLength };
        if (doc.name.startsWith('ticket:')) tickets += 1;
      }
      // Each file's type from its first bytes (not the manifest's word), as an upload's.
      const types = new Map<string, string>();
      for (const file of manifest.attachments) {
        if (!entries.has(file.file)) throw invalid(`The attachment ${file.name} is missing.`);
        if (file.size > MAX_BLOB_BYTES) {
          throw overLimit(
            RefusedLimit.attachmentSize,
            `The attachment ${file.name} is larger than a file may be (${MAX_BLOB_BYTES / 1024 / 1024} MB).`,
          );
        }
        const type = await detectContentType(await this.#sample(zip, entries, file.file));
        if (isRefusedType(type)) {
          throw new AppError(
            ErrorCode.fileTypeRefused,
            415,
            `The attachment ${file.name} is a program; programs cannot be attached.`,
          );
        }
        types.set(file.sha256, type);
      }
      const fileBytes = manifest.attachments.reduce((sum, a) => sum + a.size, 0);

      const { deps } = this;
      const { control } = deps;
      const workspaceId = await control.transactions.write(async () => {
        const id = await this.#createWorkspace(request);
        const limits = await control.workspaceAccess.limits(id);
        if (limits && tickets > limits.ticketLimit) {
          throw overLimit(
            RefusedLimit.tickets,
            `The archive holds ${tickets} tickets; the new workspace's plan allows ${limits.ticketLimit}.`,
          );
        }
        if (limits && largest.bytes > limits.documentSizeLimitBytes) {
          throw overLimit(
            RefusedLimit.documentSize,
            `The document ${largest.name} weighs ${largest.bytes} bytes; the new workspace's plan allows ${limits.documentSizeLimitBytes} per document.`,
          );
        }
        if (limits && docBytes + fileBytes > limits.storageQuotaBytes) {
          throw overLimit(
            RefusedLimit.storage,
            `The archive holds ${docBytes + fileBytes} bytes; the new workspace's plan stores ${limits.storageQuotaBytes}.`,
          );
        }
        return id;
      });

      let batch: NewUpdate[] = [];
      for (const doc of manifest.documents) {
        const update = await this.#read(zip, entries, doc.file);
        batch.push({ docId: `${workspaceId}:${doc.name}`, workspaceId, update });
        if (batch.length >= DOCS_PER_BATCH) {
          await deps.docs.append(batch);
          batch = [];
        }
      }
      if (batch.length) await deps.docs.append(batch);
      deps.searchProjector?.wake();

      for (const file of manifest.attachments)
        await this.#restoreBlob(zip, entries, workspaceId, file, types.get(file.sha256)!, request);

      const workspace = await control.workspaces.byId(workspaceId);
      if (!workspace) throw new Error(`imported workspace ${workspaceId} vanished`);
      await control.audit.record({
        actor: request.actor,
        action: 'workspace.imported',
        target: { kind: 'workspace', id: workspaceId },
        workspaceId,
        details: {
          fromWorkspaceId: manifest.workspace.id,
          fromExportId: manifest.exportId,
          documents: manifest.documents.length,
          attachments: manifest.attachments.length,
        },
      });
      deps.log.info(
        {
          workspaceId,
          documents: manifest.documents.length,
          attachments: manifest.attachments.length,
        },
        'workspace imported',
      );
      return {
        workspace: { id: workspace.id, slug: workspace.slug, name: workspace.name },
        docs: manifest.documents.length,
        attachments: manifest.attachments.length,
      };
    } finally {
      zip.close();
    }
  }

  async #manifest(zip: yauzl.ZipFile, entries: Map<string, yauzl.Entry>): Promise<ArchiveManifest> {
    if (!entries.has('manifest.json'))
      throw invalid('This zip is not a workspace export (no manifest.json).');
    let parsed: unknown;
    try {
      parsed = JSON.parse((await this.#read(zip, entries, 'manifest.json')).toString('utf8'));
    } catch {
      throw invalid('The manifest of this export is not valid JSON.');
    }
    const result = ArchiveManifest.safeParse(parsed);
    if (!result.success) throw invalid('The manifest of this export is not valid.');
    if (result.data.formatVersion > EXPORT_FORMAT_VERSION) {
      throw invalid(
        `This export has format version ${result.data.formatVersion}; this server reads up to ${EXPORT_FORMAT_VERSION}.`,
      );
    }
    return result.data;
  }

  async #open(
    zip: yauzl.ZipFile,
    entries: Map<string, yauzl.Entry>,
    file: string,
  ): Promise<Readable> {
    const entry = entries.get(file);
    if (!entry) throw invalid(`The archive lacks ${file}.`);
    return zip.openReadStreamPromise(entry);
  }

  async #read(
    zip: yauzl.ZipFile,
    entries: Map<string, yauzl.Entry>,
    file: string,
  ): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.#open(zip, entries, file)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** The first bytes of a file of the archive (what an upload's type is detected from). */
  async #sample(
    zip: yauzl.ZipFile,
    entries: Map<string, yauzl.Entry>,
    file: string,
  ): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    let read = 0;
    const stream = await this.#open(zip, entries, file);
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      read += (chunk as Buffer).byteLength;
      if (read >= TYPE_SAMPLE_BYTES) break;
    }
    stream.destroy();
    return Buffer.concat(chunks).subarray(0, TYPE_SAMPLE_BYTES);
  }

  async #createWorkspace(request: ImportRequest): Promise<string> {
    const { workspaces } = this.deps.control;
    const customerId = (await workspaces.customersOwnedBy(request.ownerUserId))[0];
    const workspace = { name: request.name, slug: request.slug };
    if (customerId === undefined) {
      const created = await workspaces.createWithCustomer({
        ownerUserId: request.ownerUserId,
        customer: { kind: 'person', name: request.name },
        workspace,
      });
      return created.workspaceId;
    }
    const created = await workspaces.createForCustomer({
      customerId,
      ownerUserId: request.ownerUserId,
      workspace,
    });
    return created.workspaceId;
  }

  async #restoreBlob(
    zip: yauzl.ZipFile,
    entries: Map<string, yauzl.Entry>,
    workspaceId: string,
    file: ArchiveManifest['attachments'][number],
    type: string,
    request: ImportRequest,
  ): Promise<void> {
    const { blobs, control } = this.deps;
    const { blobQuota, blobCatalog, transactions } = control;
    const quota =
      (await control.workspaceAccess.limits(workspaceId))?.storageQuotaBytes ?? Infinity;
    const reservation = await blobQuota.reserve(workspaceId, quota, file.size, file.size);
    if (!reservation.ok) {
      throw overLimit(RefusedLimit.storage, `${file.name} does not fit in the storage quota.`);
    }
    try {
      const stored = await blobs.put(await this.#open(zip, entries, file.file), file.size);
      if (stored.sha256 !== file.sha256) throw invalid(`The attachment ${file.name} is damaged.`);
      // As an upload (blobRoutes): the catalog row and the reservation's end in one
      // transaction, the reservation released after a rollback (below).
      await transactions.write(async () => {
        await blobCatalog.recordUpload({
          workspaceId,
          sha256: stored.sha256,
          size: stored.size,
          name: file.name,
          type,
          uploadedBy: request.ownerUserId,
          at: this.deps.now(),
        });
        await blobQuota.release(reservation.id);
      });
    } catch (err) {
      await blobQuota.release(reservation.id);
      if (err instanceof BlobTooLargeError)
        throw invalid(`The attachment ${file.name} is larger than listed.`);
      throw err;
    }
  }
}
