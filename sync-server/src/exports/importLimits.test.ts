import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import * as Y from 'yjs';
import { EXPORT_FORMAT_VERSION, RefusedLimit, type ErrorBody } from '@desk/protocol';
import type { ArchiveManifest } from '@desk/protocol/rest';
import { plans } from '../billing/plans.ts';
import { MAX_BLOB_BYTES } from '../blobs/blobRoutes.ts';
import { blobStorageFor } from '../blobs/blobStorageFor.ts';
import { AppError } from '../http/AppError.ts';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { postBytes } from '../testing/exportTestSupport.ts';
import type { WorkspaceLimits } from '../workspaces/WorkspaceAccessStore.ts';
import { WorkspaceImporter } from './WorkspaceImporter.ts';

// Import against the plan limits of the new workspace (SPEC.md, LIMIT-13): every limit at,
// just under and just over its value. At and under, the workspace is created; over, the
// import is refused with a typed error naming the limit (413 payload_too_large, `limit`) and
// nothing is created — no workspace, no document, no file. The CLI and the API run the same
// importer; the limits are shrunk here (as the sync tests shrink theirs) by handing the
// importer the real access store with the new workspace's plan numbers replaced.

let t: AuthTestServer;
let owner: Awaited<ReturnType<typeof signUp>>;
let dir: string;

beforeAll(async () => {
  t = await startAuthTestServer({ SNAPSHOT_INTERVAL_MINUTES: '0', BACKUP_INTERVAL_HOURS: '0' });
  owner = await signUp(t);
  dir = fs.mkdtempSync(path.join(t.server.ctx.config.DATA_DIR, 'zips-'));
});
afterAll(() => t.close());

/** A Yjs state of exactly `bytes` bytes (a text insert by a fixed client). */
function stateOf(bytes: number): Buffer {
  const make = (chars: number) => {
    const doc = new Y.Doc();
    doc.clientID = 7;
    doc.getText('t').insert(0, 'x'.repeat(chars));
    return Y.encodeStateAsUpdate(doc);
  };
  // The lengths are varints: step to the exact size.
  let chars = bytes - (make(500).byteLength - 500);
  let state = make(chars);
  for (let i = 0; i < 4 && state.byteLength !== bytes; i++) {
    chars += bytes - state.byteLength;
    state = make(chars);
  }
  expect(state.byteLength).toBe(bytes);
  return Buffer.from(state);
}

interface ArchiveSpec {
  tickets?: number;
  /** Sizes of the documents besides the tickets (an index, notices). */
  docs?: number[];
  /** Attachments, by content (sizes follow). */
  files?: Buffer[];
}

let zips = 0;
/** Writes an export zip as the exporter lays it out; returns its path. */
async function archive(spec: ArchiveSpec): Promise<string> {
  const zip = new yazl.ZipFile();
  const documents: ArchiveManifest['documents'] = [];
  const add = (name: string, state: Buffer) => {
    const file = `yjs/${name.replace(':', '_')}.bin`;
    zip.addBuffer(state, file);
    const sha256 = createHash('sha256').update(state).digest('hex');
    documents.push({ name, file, bytes: state.byteLength, sha256 });
  };
  (spec.docs ?? []).forEach((bytes, i) => add(i === 0 ? 'index' : `notice:n${i}`, stateOf(bytes)));
  for (let i = 0; i < (spec.tickets ?? 0); i++) add(`ticket:t${i}`, stateOf(40));
  const attachments = (spec.files ?? []).map((bytes, i) => {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const file = `files/${sha256}`;
    zip.addBuffer(bytes, file);
    return { sha256, name: `file-${i}.pdf`, type: 'application/pdf', size: bytes.byteLength, file };
  });
  const manifest: ArchiveManifest = {
    format: 'desk-workspace-export',
    formatVersion: EXPORT_FORMAT_VERSION,
    exportedAt: 0,
    exportId: 'x',
    workspace: { id: 'old', slug: 'old', name: 'Old' },
    counts: {
      tickets: spec.tickets ?? 0,
      notices: 0,
      channels: 0,
      members: 0,
      attachments: attachments.length,
      documents: documents.length,
      auditEntries: 0,
    },
    documents,
    attachments,
  };
  zip.addBuffer(Buffer.from(JSON.stringify(manifest)), 'manifest.json');
  zip.end();
  const target = path.join(dir, `${zips++}.zip`);
  await new Promise<void>((resolve, reject) => {
    zip.outputStream.pipe(fs.createWriteStream(target)).on('close', resolve).on('error', reject);
  });
  return target;
}

/** The importer of the CLI and the API, with the new workspace's plan numbers replaced. */
async function importerWith(limits: Partial<WorkspaceLimits>): Promise<WorkspaceImporter> {
  const { services, ctx } = t.server;
  const access = services.workspaceAccess;
  const workspaceAccess = Object.create(access) as typeof access;
  workspaceAccess.limits = (id) => {
    const plan = access.limits(id);
    return plan && { ...plan, ...limits };
  };
  return new WorkspaceImporter({
    ...ctx,
    ...services,
    docs: t.server.sync.store,
    blobs: await blobStorageFor(ctx.config),
    workspaceAccess,
  });
}

/** What the server holds: workspaces, documents, files (nothing may change on a refusal). */
function holdings() {
  const count = (sql: string) => t.server.ctx.db.prepare(sql).pluck().get() as number;
  return {
    workspaces: count('SELECT COUNT(*) FROM workspaces'),
    docs: count('SELECT COUNT(*) FROM docs'),
    files: count('SELECT COUNT(*) FROM workspace_blobs'),
  };
}

let slugs = 0;
async function importOf(importer: WorkspaceImporter, zipPath: string) {
  const slug = `imported-${slugs++}`;
  const before = holdings();
  try {
    const result = await importer.import({
      zipPath,
      ownerUserId: owner.userId,
      name: 'Imported',
      slug,
      actor: { kind: 'user', userId: owner.userId },
    });
    return { ok: true as const, result };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    // Refused: nothing was created.
    expect(t.server.services.workspaces.bySlug(slug)).toBeNull();
    expect(holdings()).toEqual(before);
    return { ok: false as const, status: error.status, body: error.toBody() };
  }
}

const cases = [
  { name: 'just under', delta: -1, accepted: true },
  { name: 'at', delta: 0, accepted: true },
  { name: 'just over', delta: 1, accepted: false },
] as const;

const limitsUnderTest = [
  {
    limit: RefusedLimit.tickets,
    value: 3,
    planned: { ticketLimit: 3 },
    archive: (tickets: number) => ({ tickets, docs: [100] }),
  },
  {
    limit: RefusedLimit.documentSize,
    value: 1000,
    planned: { documentSizeLimitBytes: 1000 },
    archive: (bytes: number) => ({ docs: [bytes, 200], tickets: 1 }),
  },
  {
    limit: RefusedLimit.storage,
    value: 5000,
    // Documents plus attachments: an index of 800 bytes, and a file for the rest.
    planned: { storageQuotaBytes: 5000 },
    archive: (bytes: number) => ({ docs: [800], files: [pdf(bytes - 800)] }),
  },
];

/** A file that is a PDF by its bytes, of exactly `bytes`. */
function pdf(bytes: number): Buffer {
  const file = Buffer.alloc(bytes, 0x20);
  file.write('%PDF-1.4\n', 0);
  return file;
}

describe('LIMIT-13 import: every plan limit at, just under and just over its value', () => {
  for (const subject of limitsUnderTest) {
    describe(subject.limit, () => {
      for (const c of cases) {
        it(`an archive ${c.name} the ${subject.limit} limit is ${c.accepted ? 'imported' : `refused with 413 payload_too_large naming ${subject.limit}, creating nothing`}`, async () => {
          const importer = await importerWith(subject.planned);
          const outcome = await importOf(
            importer,
            await archive(subject.archive(subject.value + c.delta)),
          );
          if (c.accepted) {
            expect(outcome.ok).toBe(true);
            return;
          }
          expect(outcome).toMatchObject({
            ok: false,
            status: 413,
            body: { error: { code: 'payload_too_large', limit: subject.limit } },
          });
        });
      }
    });
  }

  describe('attachment size (a file may be at most MAX_BLOB_BYTES, 100 MB)', () => {
    for (const c of cases) {
      it(`an attachment ${c.name} the size limit is ${c.accepted ? 'imported' : 'refused (attachment_size), creating nothing'}`, async () => {
        const importer = await importerWith({});
        const outcome = await importOf(
          importer,
          await archive({ docs: [100], files: [pdf(MAX_BLOB_BYTES + c.delta)] }),
        );
        if (c.accepted) {
          expect(outcome.ok).toBe(true);
          return;
        }
        expect(outcome).toMatchObject({
          ok: false,
          status: 413,
          body: { error: { code: 'payload_too_large', limit: RefusedLimit.attachmentSize } },
        });
      }, 60_000);
    }
  });

  it('attachment types: a program renamed to .pdf is refused from its bytes (415 file_type_refused), creating nothing; a PDF is stored with the type its bytes say', async () => {
    const importer = await importerWith({});
    const program = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(2000, 0x90)]);
    const refused = await importOf(importer, await archive({ docs: [100], files: [program] }));
    expect(refused).toMatchObject({
      ok: false,
      status: 415,
      body: { error: { code: 'file_type_refused' } },
    });
    const taken = await importOf(importer, await archive({ docs: [100], files: [pdf(3000)] }));
    if (!taken.ok) throw new Error('expected the PDF to be imported');
    const stored = t.server.ctx.db
      .prepare('SELECT type FROM workspace_blobs WHERE workspace_id = ?')
      .pluck()
      .get(taken.result.workspace.id);
    expect(stored).toBe('application/pdf');
  });

  it("the API answers an archive over the plan's document size with 413 and `limit: document_size`, creating nothing", async () => {
    const before = holdings();
    const zip = await archive({ docs: [plans.trial.documentSizeLimitBytes + 1] });
    const res = await postBytes<ErrorBody>(
      t.server,
      owner.client,
      '/api/workspace-imports?name=Too%20big&slug=too-big',
      fs.readFileSync(zip),
    );
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({
      code: 'payload_too_large',
      limit: RefusedLimit.documentSize,
    });
    expect(t.server.services.workspaces.bySlug('too-big')).toBeNull();
    expect(holdings()).toEqual(before);
  });
});
