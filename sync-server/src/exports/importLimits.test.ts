import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefusedLimit, type ErrorBody } from '@desk/protocol';
import { plans } from '../billing/plans.ts';
import { MAX_BLOB_BYTES } from '../blobs/blobRoutes.ts';
import { blobStorageFor } from '../blobs/blobStorageFor.ts';
import { AppError } from '../http/AppError.ts';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { pdfOf, writeArchive, type ArchiveSpec } from '../testing/exportArchive.ts';
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

let zips = 0;
/** Writes an export zip into the test's folder; returns its path. */
const archive = (spec: ArchiveSpec) => writeArchive(path.join(dir, `${zips++}.zip`), spec);
const pdf = pdfOf;

/** The importer of the CLI and the API, with the new workspace's plan numbers replaced. */
async function importerWith(limits: Partial<WorkspaceLimits>): Promise<WorkspaceImporter> {
  const { services, ctx } = t.server;
  const access = services.control.workspaceAccess;
  const workspaceAccess: typeof access = {
    ...access,
    limits: async (id) => {
      const plan = await access.limits(id);
      return plan && { ...plan, ...limits };
    },
  };
  return new WorkspaceImporter({
    ...ctx,
    ...services,
    control: { ...services.control, workspaceAccess },
    docs: t.server.sync.store,
    blobs: await blobStorageFor(ctx.config),
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
