import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test/support/tempDir.ts';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { SqliteDocStore } from '../store/SqliteDocStore.ts';
import { createCustomerWithWorkspace } from '../testing/createCustomerWithWorkspace.ts';
import type { BlobQuota } from './BlobQuota.ts';
import { SqliteBlobQuota } from './SqliteBlobQuota.ts';

const QUOTA = 1000;
const MAX_FILE = 600;

describe('BlobQuota', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let db: SqliteDatabase;
  let quota: BlobQuota;
  let workspaceId: string;
  let userId: string;

  beforeEach(() => {
    temp = makeTempDir();
    db = openSqlite(path.join(temp.dir, 'desk.sqlite'));
    migrate(db, migrations);
    userId = 'u1';
    db.prepare(
      `INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)
       VALUES (?, 'u1@example.com', 'U', '!', 0, 0)`,
    ).run(userId);
    workspaceId = createCustomerWithWorkspace(
      db,
      {
        ownerUserId: userId,
        customer: { kind: 'organization', name: 'Acme' },
        workspace: { name: 'Acme', slug: 'acme' },
      },
      0,
    ).workspaceId;
    quota = new SqliteBlobQuota(db, () => 0);
  });
  afterEach(() => {
    db.close();
    temp.remove();
  });

  const store = (sha: string, size: number) => {
    db.prepare('INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, 0)').run(sha, size);
    db.prepare(
      `INSERT INTO workspace_blobs (workspace_id, sha256, name, type, size, uploaded_by, uploaded_at)
       VALUES (?, ?, 'f', 'text/plain', ?, ?, 0)`,
    ).run(workspaceId, sha, size, userId);
  };
  const sha = (c: string) => c.repeat(64);

  it('reserves a declared size while it fits, counting other reservations as used', () => {
    const first = quota.reserve(workspaceId, QUOTA, MAX_FILE, 400);
    const second = quota.reserve(workspaceId, QUOTA, MAX_FILE, 400);
    expect(first).toMatchObject({ ok: true, bytes: 400 });
    expect(second).toMatchObject({ ok: true, bytes: 400 });
    expect(quota.reserve(workspaceId, QUOTA, MAX_FILE, 201)).toEqual({
      ok: false,
      reason: 'does_not_fit',
    });
    expect(quota.reserve(workspaceId, QUOTA, MAX_FILE, 200)).toMatchObject({ ok: true });
    expect(quota.reserve(workspaceId, QUOTA, MAX_FILE, 1)).toEqual({
      ok: false,
      reason: 'storage_used_up',
    });
  });

  it('reserves what is left (at most a file) when the size is not declared', () => {
    store(sha('a'), 700);
    expect(quota.reserve(workspaceId, QUOTA, MAX_FILE, null)).toMatchObject({
      ok: true,
      bytes: 300,
    });
    expect(quota.reserve(workspaceId, QUOTA, MAX_FILE, null)).toEqual({
      ok: false,
      reason: 'storage_used_up',
    });
  });

  it('gives the room back on release, and turns it into the stored file on commit', () => {
    const failed = quota.reserve(workspaceId, QUOTA, MAX_FILE, 600);
    if (!failed.ok) throw new Error('expected a reservation');
    quota.release(failed.id);
    const kept = quota.reserve(workspaceId, QUOTA, MAX_FILE, 600);
    if (!kept.ok) throw new Error('expected a reservation');
    quota.commit(kept.id, () => store(sha('b'), 600));
    expect(db.prepare('SELECT COUNT(*) AS n FROM blob_reservations').get()).toEqual({ n: 0 });
    expect(quota.reserve(workspaceId, QUOTA, MAX_FILE, 401)).toMatchObject({ ok: false });
    expect(quota.reserve(workspaceId, QUOTA, MAX_FILE, 400)).toMatchObject({ ok: true });
  });

  it('releases the reservation when storing the rows fails', () => {
    const reservation = quota.reserve(workspaceId, QUOTA, MAX_FILE, 500);
    if (!reservation.ok) throw new Error('expected a reservation');
    expect(() =>
      quota.commit(reservation.id, () => {
        throw new Error('disk I/O error');
      }),
    ).toThrow('disk I/O error');
    expect(db.prepare('SELECT COUNT(*) AS n FROM blob_reservations').get()).toEqual({ n: 0 });
  });

  it('LIMIT-8 counts the workspace’s documents (stored bytes, exactly, at once) with its files: a file that fits just under the quota is taken, one byte over is refused', () => {
    const docs = new SqliteDocStore(db);
    // Documents weighing 300 bytes: a logged update, then compacted into a merged state.
    const update = new Uint8Array(300).fill(7);
    const [row] = docs.append([{ docId: `${workspaceId}:ticket:t1`, workspaceId, update }]);
    docs.append([{ docId: 'other:ticket:t1', workspaceId: 'other', update }]);
    store(sha('a'), 400);
    expect(quota.reserve(workspaceId, QUOTA, MAX_FILE, 301)).toEqual({
      ok: false,
      reason: 'does_not_fit',
    });
    // Compacted: the documents weigh their merged state now (the log row it holds is not
    // counted), and the very next upload sees it.
    docs.compact(`${workspaceId}:ticket:t1`, new Uint8Array(250), row!.logId);
    // 250 + 400 used: 350 is exactly what is left, 349 just under.
    expect(quota.reserve(workspaceId, QUOTA, MAX_FILE, 351)).toMatchObject({ ok: false });
    const under = quota.reserve(workspaceId, QUOTA, MAX_FILE, 349);
    expect(under).toMatchObject({ ok: true });
    if (under.ok) quota.release(under.id);
    expect(quota.reserve(workspaceId, QUOTA, MAX_FILE, 350)).toMatchObject({ ok: true });
    expect(quota.reserve(workspaceId, QUOTA, MAX_FILE, 1)).toEqual({
      ok: false,
      reason: 'storage_used_up',
    });
  });

  it('LIMIT-12 used() is what a reservation is checked against: documents, files and uploads in flight of this workspace only', () => {
    const docs = new SqliteDocStore(db);
    expect(quota.used(workspaceId)).toBe(0);
    docs.append([{ docId: `${workspaceId}:index`, workspaceId, update: new Uint8Array(120) }]);
    docs.append([{ docId: 'other:index', workspaceId: 'other', update: new Uint8Array(999) }]);
    store(sha('a'), 200);
    const inFlight = quota.reserve(workspaceId, QUOTA, MAX_FILE, 30);
    expect(quota.used(workspaceId)).toBe(120 + 200 + 30);
    if (inFlight.ok) quota.release(inFlight.id);
    expect(quota.used(workspaceId)).toBe(320);
  });

  it('drops reservations a previous process left behind', () => {
    expect(quota.reserve(workspaceId, QUOTA, MAX_FILE, 500)).toMatchObject({ ok: true });
    const restarted = new SqliteBlobQuota(db, () => 0);
    expect(restarted.reserve(workspaceId, QUOTA, MAX_FILE, 600)).toMatchObject({ ok: true });
  });
});
