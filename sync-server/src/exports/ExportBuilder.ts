import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import * as Y from 'yjs';
import { indexGenerationOf, redactIndexCopy, type TicketRecord } from '@desk/model';
import { contentDisabledWords, EXPORT_FORMAT_VERSION } from '@desk/protocol';
import { exportArchiveJsonSchema, type ArchiveManifest } from '@desk/protocol/rest';
import type { AuditEntry, AuditStore } from '../audit/AuditStore.ts';
import { DELETED_EMAIL_DOMAIN, type UserStore } from '../identity/UserStore.ts';
import type { BlobStorage } from '../blobs/BlobStorage.ts';
import type { Logger } from '../log/logger.ts';
import type { AsyncModerationStore } from '../moderation/ModerationStore.ts';
import { Redaction } from '../moderation/redaction.ts';
import type { HeavyYjs } from '../offthread/HeavyYjs.ts';
import { Slicer } from '../snapshots/yieldToLoop.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { EngineDocs } from '../sync/SyncEngine.ts';
import type { MembershipStore } from '../workspaces/MembershipStore.ts';
import type { WorkspaceStore } from '../workspaces/WorkspaceStore.ts';
import {
  archiveMessage,
  archiveTicket,
  csvLine,
  TICKET_CSV_COLUMNS,
  ticketCsvRow,
} from './archiveRecords.ts';
import { attributeDeletedAuthors } from './deletedAuthors.ts';
import { attachmentFileOf, yjsFileOf, type ExportFiles } from './ExportFiles.ts';
import { exportedKind, type RenderedDoc } from './exportOps.ts';
import type { AsyncExportStore, ExportRow, StoredZip } from './ExportStore.ts';

/** How often (documents) a running export writes its progress. @default 100 */
const PROGRESS_EVERY = 100;

/**
 * The stores an export reads and writes, on their async interfaces (issue 19: PostgreSQL
 * may answer, `SqlExportStore`); part of `Services.control`.
 */
export interface ExportStores {
  /** The export jobs, and the files the workspace uploaded. */
  readonly exportJobs: AsyncExportStore;
  readonly audit: AsyncStore<AuditStore>;
  readonly memberships: AsyncStore<MembershipStore>;
  readonly workspaces: AsyncStore<WorkspaceStore>;
  /** Terms §4: what is disabled (left out or redacted; see `#writeZip`), read once per build. */
  readonly moderation: AsyncModerationStore;
  /** Whose account was deleted: what they wrote is attributed to "Deleted user". */
  readonly users: AsyncStore<UserStore>;
}

/**
 * The documents an export reads: the sync engine's store, embedded or a cluster's
 * (`engine.docs`), so an export made on one process holds what clients wrote on every other.
 */
export type ExportDocs = Pick<EngineDocs, 'storedParts' | 'changedSince'>;

export interface ExportBuilderDeps {
  readonly control: ExportStores;
  readonly files: ExportFiles;
  readonly docs: ExportDocs;
  readonly heavy: HeavyYjs;
  /** The workspaces' attachments, copied into the zip. */
  readonly blobs: BlobStorage;
  /**
   * Where finished zips are kept (blobStorageFor's `exports` space: DATA_DIR/exports/zips,
   * or on a cluster PostgreSQL or S3, where every process finds them).
   */
  readonly zips: BlobStorage;
  readonly now: () => number;
  readonly log: Logger;
}

/** One document's part as the staging folder keeps it (the `.json` beside its `.bin`). */
interface StagedDoc {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly rendered: RenderedDoc;
}

/** Thrown out of a build when the server stops: the job stays `running` and resumes. */
export class ExportInterrupted extends Error {
  constructor() {
    super('export interrupted by shutdown');
    this.name = 'ExportInterrupted';
  }
}

/**
 * Builds one export in two steps. First every document is read as stored (`ExportDocs`: the
 * workspace's documents listed once, then each read as it is when its turn comes — the
 * store is shared by a cluster's processes, so there is no one frozen view of it), merged
 * and rendered through @desk/model — on the worker thread when large — and its raw state
 * and rendering are written to the staging folder; a part already there (from before a
 * restart) is not read again. Between documents the
 * build yields to the event loop, so sync traffic waits at most one slice. Then the zip is
 * streamed into the zip storage from those parts, the blob store and the SQL rows (members,
 * audit) — no whole copy on this process's disk first; a restart during this step simply
 * writes it again.
 */
export class ExportBuilder {
  constructor(private readonly deps: ExportBuilderDeps) {}

  /** `stopping` is asked before each document: true stops the build (`ExportInterrupted`). */
  async build(job: ExportRow, stopping: () => boolean | Promise<boolean>): Promise<StoredZip> {
    const { files } = this.deps;
    const store = this.deps.control.exportJobs;
    const docsDir = path.dirname(files.part(job.id, 'index').state);
    await fs.promises.mkdir(docsDir, { recursive: true });
    const names = await this.#readDocuments(job, stopping);
    if (await stopping()) throw new ExportInterrupted();
    const zip = await this.#writeZip(job, names);
    await store.progress(job.id, names.length + 1, names.length + 1);
    return zip;
  }

  async #readDocuments(
    job: ExportRow,
    stopping: () => boolean | Promise<boolean>,
  ): Promise<string[]> {
    const { files, heavy, docs } = this.deps;
    const store = this.deps.control.exportJobs;
    const prefix = `${job.workspaceId}:`;
    const names = (await docs.changedSince(job.workspaceId, 0))
      .map((d) => d.docId.slice(prefix.length))
      .filter((name) => exportedKind(name) !== null)
      .sort();
    const total = names.length + 1;
    const slicer = new Slicer();
    let done = 0;
    await store.progress(job.id, done, total);
    for (const name of names) {
      if (await stopping()) throw new ExportInterrupted();
      const part = files.part(job.id, name);
      if (!fs.existsSync(part.rendered)) {
        const parts = await docs.storedParts(prefix + name);
        const size = parts.reduce((sum, p) => sum + p.byteLength, 0);
        const { state, rendered } = await heavy.run('exportDoc', [name, parts], size);
        await fs.promises.writeFile(part.state, state);
        const sha256 = createHash('sha256').update(state).digest('hex');
        // A StagedDoc, spliced as text (the rendering is JSON already, see exportOps).
        const staged = `{"name":${JSON.stringify(name)},"bytes":${state.byteLength},"sha256":"${sha256}","rendered":${rendered}}`;
        // The rendering last, through a rename: its presence means both files are whole.
        await fs.promises.writeFile(`${part.rendered}.tmp`, staged);
        await fs.promises.rename(`${part.rendered}.tmp`, part.rendered);
      }
      done += 1;
      if (done % PROGRESS_EVERY === 0) await store.progress(job.id, done, total);
      await slicer.maybeYield();
    }
    await store.progress(job.id, done, total);
    return names;
  }

  /**
   * Terms §4: a copy of the index document's state in which a disabled ticket's or notice's
   * title (and a notice's excerpt) and the excerpt of a mention in a disabled comment or
   * message are the words instead (the replaced strings are garbage-collected in the copy,
   * so its bytes do not hold them); null when nothing in the index is disabled. The stored
   * index is not touched.
   */
  async #redactedIndex(
    job: ExportRow,
    redaction: Redaction,
    indexName: string,
  ): Promise<Buffer | null> {
    const doc = new Y.Doc();
    try {
      Y.applyUpdate(doc, await fs.promises.readFile(this.deps.files.part(job.id, indexName).state));
      const changed = redactIndexCopy(doc, {
        row: (kind, id) => {
          const reason = redaction.docReason(`${kind}:${id}`);
          return reason === null ? null : contentDisabledWords(reason);
        },
        mention: (place) => {
          const reason =
            place.kind === 'ticket'
              ? (redaction.docReason(`ticket:${place.ticketId}`) ??
                redaction.entryReason(`ticket:${place.ticketId}`, place.commentId ?? ''))
              : redaction.entryReason(`channel:${place.channelId}`, place.messageId ?? '');
          return reason === null ? null : contentDisabledWords(reason);
        },
      });
      return changed ? Buffer.from(Y.encodeStateAsUpdate(doc)) : null;
    } finally {
      doc.destroy();
    }
  }

  async #staged(job: ExportRow, name: string): Promise<StagedDoc> {
    const text = await fs.promises.readFile(this.deps.files.part(job.id, name).rendered, 'utf8');
    return JSON.parse(text) as StagedDoc;
  }

  async #writeZip(job: ExportRow, names: readonly string[]): Promise<StoredZip> {
    const { files, blobs, zips, log, control } = this.deps;
    const workspace = await control.workspaces.byId(job.workspaceId);
    if (!workspace) throw new Error('the workspace is gone');

    // The small parts first: the ticket fields (index and archive shards), notices, channels.
    const records = new Map<string, { record: TicketRecord; location: string }>();
    let index: Extract<RenderedDoc, { kind: 'index' }> | null = null;
    // The newest generation of the index is the index (issue 15 #4: older generations and
    // the head are documents of kind `index` too).
    let indexName = 'index';
    const staged = new Map<string, Omit<StagedDoc, 'rendered'>>();
    for (const name of names) {
      const doc = await this.#staged(job, name);
      staged.set(name, { name, bytes: doc.bytes, sha256: doc.sha256 });
      const r = doc.rendered;
      if (r.kind === 'archive') {
        for (const t of r.tickets)
          if (!records.has(t.id)) records.set(t.id, { record: t, location: r.month });
      } else if (
        r.kind === 'index' &&
        indexGenerationRank(name) >= indexGenerationRank(indexName)
      ) {
        index = r;
        indexName = name;
      }
    }
    // The hot copy wins over an archived one (a crash between the two writes of a move).
    for (const t of index?.tickets ?? []) records.set(t.id, { record: t, location: 'hot' });
    const tickets = [...records.values()].sort(
      (a, b) =>
        (a.record.number ?? Infinity) - (b.record.number ?? Infinity) ||
        (a.record.id < b.record.id ? -1 : 1),
    );
    const members = (await control.memberships.list(job.workspaceId)).map((m) => ({
      userId: m.userId,
      displayName: m.displayName,
      email: m.email,
      role: m.role,
      joinedAt: m.joinedAt,
    }));
    const audit = await this.#auditEntries(job.workspaceId);
    const uploads = await control.exportJobs.workspaceBlobs(job.workspaceId);
    const present = [];
    for (const blob of uploads) {
      if (await blobs.has(blob.sha256)) present.push(blob);
      else
        log.warn(
          { exportId: job.id, sha256: blob.sha256 },
          'export: attachment missing from the blob store',
        );
    }
    const notices = index?.notices ?? [];
    const channels = index?.channels ?? [];

    // Terms §4 (SPEC MOD-6): disabled content is not exported. A disabled ticket or notice
    // keeps its row with the words instead of its title and no content; a disabled comment
    // or message keeps its place with the words instead of its text; a disabled file is left
    // out. The raw Yjs state of a document holding disabled content is left out too (it holds
    // that content byte for byte); the index document's state still holds a disabled
    // ticket's row as stored (see SPEC MOD-6).
    const redaction = new Redaction(
      job.workspaceId,
      await control.moderation.disabledSet(job.workspaceId),
    );
    const withheld = new Set(
      !redaction.none ? names.filter((name) => redaction.touches(name)) : [],
    );
    // An archive shard holding a disabled ticket's row is withheld like its document.
    for (const { record, location } of records.values()) {
      if (location !== 'hot' && redaction.docReason(`ticket:${record.id}`) != null) {
        withheld.add(`archive:${location}`);
      }
    }
    // The index is kept, as a copy whose disabled rows and mention excerpts say so instead;
    // its older generations, which hold those rows as they were stored, are withheld.
    const indexCopy = !redaction.none ? await this.#redactedIndex(job, redaction, indexName) : null;
    if (indexCopy) {
      for (const name of names) {
        if (indexGenerationRank(name) > 0 && name !== indexName) withheld.add(name);
      }
    }
    const stateOf = (name: string) =>
      name === indexName && indexCopy
        ? {
            bytes: indexCopy.byteLength,
            sha256: createHash('sha256').update(indexCopy).digest('hex'),
          }
        : { bytes: staged.get(name)!.bytes, sha256: staged.get(name)!.sha256 };
    const shipped = names.filter((name) => !withheld.has(name));
    const fileOf = (name: string) =>
      staged.has(name) && !withheld.has(name) ? yjsFileOf(name) : null;
    if (!redaction.none) {
      for (let i = present.length - 1; i >= 0; i--) {
        if (redaction.blobReason(present[i]!.sha256) !== null) present.splice(i, 1);
      }
    }
    const words = (reason: string) => contentDisabledWords(reason);
    const attribute = attributeDeletedAuthors(
      async (id) =>
        (await control.users.byId(id))?.email.endsWith(`@${DELETED_EMAIL_DOMAIN}`) ?? false,
    );
    /** Terms §4: a disabled file (left out of the archive) is named by the words, not its name. */
    const namedFiles = <T extends { sha256: string; name: string }>(list: readonly T[]): T[] =>
      list.map((a) => {
        const why = redaction.blobReason(a.sha256) ?? null;
        return why === null ? a : { ...a, name: words(why) };
      });
    const withFilesOf = <T extends { attachments: { sha256: string; name: string }[] }>(
      entry: T,
    ): T => ({ ...entry, attachments: namedFiles(entry.attachments) });
    const ticketOf = (
      record: TicketRecord,
      location: string,
      content: RenderedDoc | null,
      withFile: boolean,
    ) => {
      const name = `ticket:${record.id}`;
      const reason = redaction.docReason(name) ?? null;
      if (reason !== null) {
        return { ...archiveTicket(record, location, null, null), title: words(reason) };
      }
      const rendered = content?.kind === 'ticket' ? content : null;
      const ticket = archiveTicket(record, location, rendered, withFile ? fileOf(name) : null);
      if (redaction.none) return ticket;
      // The activity names an attached file ('attachment_added', `ref` its id, `to` its name).
      const disabledRefs = new Map(
        ticket.attachments.flatMap((a) => {
          const why = redaction.blobReason(a.sha256);
          return why === null ? [] : [[a.id, why] as const];
        }),
      );
      const activity = ticket.activity.map((entry) => {
        const why = typeof entry.ref === 'string' ? disabledRefs.get(entry.ref) : undefined;
        return why === undefined || entry.kind !== 'attachment_added'
          ? entry
          : { ...entry, to: words(why) };
      });
      const withFiles = { ...ticket, attachments: namedFiles(ticket.attachments), activity };
      if (!redaction.hasDisabledEntries(name)) {
        return { ...withFiles, comments: ticket.comments.map(withFilesOf) };
      }
      const comments = ticket.comments.map((c) => {
        const why = redaction.entryReason(name, c.id);
        return why === null
          ? withFilesOf(c)
          : { ...c, body: words(why), mentions: [], history: [], links: [], attachments: [] };
      });
      return { ...withFiles, comments, links: comments.flatMap((c) => c.links) };
    };

    const manifest: ArchiveManifest = {
      format: 'desk-workspace-export',
      formatVersion: EXPORT_FORMAT_VERSION,
      exportedAt: this.deps.now(),
      exportId: job.id,
      workspace: { id: workspace.id, slug: workspace.slug, name: workspace.name },
      counts: {
        tickets: tickets.length,
        notices: notices.length,
        channels: channels.length,
        members: members.length,
        attachments: present.length,
        documents: shipped.length,
        auditEntries: audit.length,
      },
      documents: shipped.map((name) => ({
        name,
        file: yjsFileOf(name),
        ...stateOf(name),
      })),
      attachments: present.map((b) => ({
        sha256: b.sha256,
        name: b.name,
        type: b.type,
        size: b.size,
        file: attachmentFileOf(b.sha256),
      })),
    };

    // Loaded when an export is built, not at every start (issue 13's idle memory).
    const { default: yazl } = await import('yazl');
    const zip = new yazl.ZipFile();
    // Stored as it is written. Each zip names its export (manifest.exportId), so no two
    // exports share an address in the zip storage and deleting one never takes another's.
    // An entry that fails (an attachment unreadable) fails the put: nothing is kept.
    // yazl types its output as NodeJS.ReadableStream; it is a PassThrough.
    const output = zip.outputStream as Readable;
    zip.on('error', (err: Error) => output.destroy(err));
    const stored = zips.put(output, Number.MAX_SAFE_INTEGER);
    const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
    zip.addBuffer(json(manifest), 'manifest.json');
    zip.addBuffer(json(exportArchiveJsonSchema()), 'schema.json');
    zip.addBuffer(json(members), 'members.json');
    zip.addBuffer(json(audit), 'audit.json');

    const ticketDocName = (id: string) => `ticket:${id}`;
    const readStaged = (name: string) => this.#staged(job, name);
    async function* ticketsJson(): AsyncGenerator<Buffer> {
      yield Buffer.from('[\n');
      let first = true;
      for (const { record, location } of tickets) {
        const name = ticketDocName(record.id);
        const content = staged.has(name) ? (await readStaged(name)).rendered : null;
        const ticket = await attribute(ticketOf(record, location, content, true));
        yield Buffer.from(`${first ? '' : ',\n'}${JSON.stringify(ticket)}`);
        first = false;
      }
      yield Buffer.from('\n]\n');
    }
    async function* ticketsCsv(): AsyncGenerator<Buffer> {
      yield Buffer.from(csvLine(TICKET_CSV_COLUMNS));
      for (const { record, location } of tickets) {
        const name = ticketDocName(record.id);
        const content = staged.has(name) ? (await readStaged(name)).rendered : null;
        yield Buffer.from(ticketCsvRow(ticketOf(record, location, content, false)));
      }
    }
    async function* noticesJson(): AsyncGenerator<Buffer> {
      const out = [];
      for (const n of notices) {
        const name = `notice:${n.id}`;
        const reason = redaction.docReason(name) ?? null;
        const doc = staged.has(name) && reason === null ? (await readStaged(name)).rendered : null;
        out.push({
          id: n.id,
          title: reason === null ? n.title : words(reason),
          pinned: n.pinned,
          createdAt: n.createdAt,
          updatedAt: n.updatedAt,
          createdBy: n.createdBy,
          createdByName: n.createdByName,
          deleted: n.deleted,
          body:
            doc?.kind === 'notice'
              ? doc.body
              : { json: { type: 'doc', content: [] }, text: '', html: '' },
          yjsFile: fileOf(name),
        });
      }
      yield json(await attribute(out));
    }
    async function* channelsJson(): AsyncGenerator<Buffer> {
      const out = [];
      for (const ch of channels) {
        const name = `channel:${ch.id}`;
        const doc = staged.has(name) ? (await readStaged(name)).rendered : null;
        out.push({
          id: ch.id,
          name: ch.name,
          archived: ch.archived,
          createdAt: ch.createdAt,
          createdBy: ch.createdBy,
          messages:
            doc?.kind === 'channel'
              ? doc.messages.map((m) => {
                  const message = archiveMessage(m);
                  const why = redaction.entryReason(name, m.id) ?? null;
                  return why === null
                    ? withFilesOf(message)
                    : { ...message, body: words(why), mentions: [], links: [], attachments: [] };
                })
              : [],
          yjsFile: fileOf(name),
        });
      }
      yield json(await attribute(out));
    }
    const lazy = (entry: string, make: () => AsyncGenerator<Buffer>) =>
      zip.addReadStreamLazy(entry, (cb) => cb(null, Readable.from(make())));
    lazy('tickets.json', ticketsJson);
    lazy('tickets.csv', ticketsCsv);
    lazy('notices.json', noticesJson);
    lazy('channels.json', channelsJson);
    for (const name of shipped) {
      if (name === indexName && indexCopy) zip.addBuffer(indexCopy, yjsFileOf(name));
      else zip.addFile(files.part(job.id, name).state, yjsFileOf(name));
    }
    for (const blob of present) {
      // Stored compressed already, most of them (images, video, PDF): kept as they are.
      zip.addReadStreamLazy(attachmentFileOf(blob.sha256), { compress: false }, (cb) => {
        blobs.open(blob.sha256).then(
          (stream) => cb(null, stream),
          (err: unknown) => cb(err, undefined as never),
        );
      });
    }
    zip.end();
    const { sha256, size } = await stored;
    await fs.promises.rm(files.staging(job.id), { recursive: true, force: true });
    return { sha256, bytes: size };
  }

  /** Every audit entry of the workspace, oldest first. */
  async #auditEntries(workspaceId: string): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await this.deps.control.audit.list({
        workspaceId,
        limit: 500,
        ...(before ? { before } : {}),
      });
      out.push(...page);
      if (page.length < 500) break;
      before = page.at(-1)!.id;
    }
    return out.reverse();
  }
}

/**
 * Which generation of the index a document name is (`index` 1, `index:g<n>` n), 0 for any
 * other name (the head, `index:head`, holds no rows).
 */
function indexGenerationRank(name: string): number {
  const parsed = indexGenerationOf(`w:${name}`);
  return parsed?.generation ?? 0;
}
