import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@desk/protocol/testing';
import { SESSION_COOKIE } from '../../sync-server/src/identity/sessionCookie.ts';
import {
  signUp,
  startAuthTestServer,
  TEST_PUBLIC_URL,
  type AuthTestServer,
} from '../../sync-server/src/testing/authTestServer.ts';
import { plans } from '../../sync-server/src/billing/plans.ts';
import { PgPool } from '../../sync-server/src/store/postgres/PgPool.ts';
import { PgSqlDatabase } from '../../sync-server/src/store/sql/PgSqlDatabase.ts';
import type { SqlDatabase } from '../../sync-server/src/store/sql/SqlDatabase.ts';
import { SqliteSqlDatabase } from '../../sync-server/src/store/sql/SqliteSqlDatabase.ts';
import { testServerPostgresUrl } from '../../sync-server/src/testing/testServerBackend.ts';

/**
 * Concurrent uploads against the storage quota (issue 12, races): many uploads start while
 * the workspace has room for only a few; every one passes the quota check before any has
 * finished writing (the test holds each body's second half until all are in flight or
 * answered). The total stored never exceeds the plan's quota; what does not fit is refused
 * with 413 before it is written, and a refused or abandoned upload gives its room back.
 */
const MiB = 1024 * 1024;
const QUOTA = plans.trial.storageQuotaBytes;
const ROOM = 1 * MiB;
const FILE = 256 * 1024;
const UPLOADS = 12;

let t: AuthTestServer;
/**
 * The server's control-plane database, wherever it is (TEST_SERVER_BACKEND): its SQLite
 * file, or on PostgreSQL the cluster's database (a connection of the test's own), where
 * the quota, the catalog and the blob bytes (PgBlobStore) all are.
 */
let sql: SqlDatabase;
let pool: PgPool | null = null;
beforeAll(async () => {
  t = await startAuthTestServer();
  const postgresUrl = testServerPostgresUrl(t.server.ctx.config.DATA_DIR);
  pool = postgresUrl ? new PgPool({ url: postgresUrl, max: 2 }) : null;
  sql = pool ? new PgSqlDatabase(pool) : new SqliteSqlDatabase(t.server.ctx.db);
});
afterAll(async () => {
  await t.close();
  await pool?.end();
});

/** A workspace of its own whose storage is used up to `QUOTA - room` (one large stored file). */
async function nearlyFullWorkspace(room: number) {
  const owner = await signUp(t);
  const sha = owner.workspaceId
    .padEnd(64, '0')
    .slice(0, 64)
    .replace(/[^0-9a-f]/g, 'a');
  await sql.run('INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, ?)', [
    sha,
    QUOTA - room,
    t.clock.now,
  ]);
  await sql.run(
    `INSERT INTO workspace_blobs (workspace_id, sha256, name, type, size, uploaded_by, uploaded_at)
     VALUES (?, ?, 'archive.zip', 'application/zip', ?, ?, ?)`,
    [owner.workspaceId, sha, QUOTA - room, owner.userId, t.clock.now],
  );
  return owner;
}

async function storedBytes(workspaceId: string): Promise<number> {
  const row = await sql.get<{ used: number }>(
    'SELECT SUM(size) AS used FROM workspace_blobs WHERE workspace_id = ?',
    [workspaceId],
  );
  return row!.used;
}

interface Upload {
  /** Sends the rest of the body. */
  finish(): void;
  /** Drops the connection mid-body. */
  abort(): void;
  readonly answered: boolean;
  readonly status: Promise<number>;
}

/**
 * An upload as a browser sends a File: Content-Length up front, the body streamed. Only the
 * first half goes out until `finish`.
 */
function startUpload(
  owner: Awaited<ReturnType<typeof signUp>>,
  bytes: Buffer,
  name: string,
): Upload {
  let answered = false;
  const url = new URL(`/api/workspaces/${owner.slug}/blobs`, t.server.url);
  const req = http.request(url, {
    method: 'POST',
    headers: {
      origin: TEST_PUBLIC_URL,
      cookie: `${SESSION_COOKIE}=${owner.client.sessionToken}`,
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.length),
      'x-file-name': name,
    },
  });
  const status = new Promise<number>((resolve) => {
    req.on('response', (res) => {
      answered = true;
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => {
      answered = true;
      resolve(0);
    });
  });
  const half = bytes.length >> 1;
  req.write(bytes.subarray(0, half));
  return {
    finish: () => req.end(bytes.subarray(half)),
    abort: () => req.destroy(),
    get answered() {
      return answered;
    },
    status,
  };
}

/** Distinct text content (so nothing is stored once for two uploads). */
function fileBytes(i: number, size = FILE): Buffer {
  return Buffer.from(`file ${i} `.padEnd(size, String.fromCharCode(97 + (i % 26))));
}

const reservations = async () =>
  (await sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM blob_reservations'))!.n;
const tmpDir = () => path.join(t.server.ctx.config.DATA_DIR, 'blobs', 'tmp');
/**
 * Uploads being written: temporary files on disk, or on PostgreSQL uploads not published
 * (PgBlobStore's rows nothing points at yet).
 */
const inFlight = async () => {
  if (!pool) return fs.existsSync(tmpDir()) ? fs.readdirSync(tmpDir()).length : 0;
  const row = await sql.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM blob_uploads u
      WHERE NOT EXISTS (SELECT 1 FROM blob_contents c WHERE c.upload_id = u.id)`,
  );
  return row!.n;
};

describe('concurrent uploads against the storage quota', () => {
  it(`${UPLOADS} parallel uploads into room for ${ROOM / FILE}: the total never exceeds the quota`, async () => {
    const owner = await nearlyFullWorkspace(ROOM);
    const uploads = Array.from({ length: UPLOADS }, (_, i) =>
      startUpload(owner, fileBytes(i), `race-${i}.txt`),
    );
    // Every upload is past the quota check: writing its file, or already answered.
    await until(
      async () => (await inFlight()) + uploads.filter((u) => u.answered).length >= UPLOADS,
      'every upload is in flight or answered',
      60_000,
    );
    for (const upload of uploads) upload.finish();
    const statuses = await Promise.all(uploads.map((u) => u.status));

    expect(await storedBytes(owner.workspaceId)).toBeLessThanOrEqual(QUOTA);
    expect(statuses.filter((s) => s === 201)).toHaveLength(ROOM / FILE);
    expect(statuses.filter((s) => s !== 201).every((s) => s === 413)).toBe(true);
    expect(await storedBytes(owner.workspaceId)).toBe(QUOTA);
    expect(await reservations()).toBe(0);
  });

  it('gives the room back when an upload is refused or abandoned mid-body', async () => {
    const owner = await nearlyFullWorkspace(ROOM);
    const tooBig = startUpload(owner, fileBytes(0, ROOM + 1), 'too-big.txt');
    tooBig.finish();
    expect(await tooBig.status).toBe(413);

    const abandoned = startUpload(owner, fileBytes(1, ROOM), 'abandoned.txt');
    await until(
      async () => (await inFlight()) > 0,
      'the abandoned upload is being written',
      30_000,
    );
    abandoned.abort();
    await until(async () => (await inFlight()) === 0, 'the abandoned upload is cleaned up', 30_000);

    const fits = startUpload(owner, fileBytes(2, ROOM), 'fits.txt');
    fits.finish();
    expect(await fits.status).toBe(201);
    expect(await storedBytes(owner.workspaceId)).toBe(QUOTA);
    expect(await reservations()).toBe(0);
  });
});
