import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../test/support/tempDir.ts';
import { createCustomerWithWorkspace } from '../../testing/createCustomerWithWorkspace.ts';
import { openSqlite, type SqliteDatabase } from '../Database.ts';
import { migrate } from '../migrate.ts';
import { migrations } from './index.ts';
import { m0025WorkspaceFileBytes } from './0025_workspaceFileBytes.ts';

describe('migration 25: what each workspace’s attachments weigh, kept by triggers', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let db: SqliteDatabase;

  beforeEach(() => {
    temp = makeTempDir('desk-m25-');
    db = openSqlite(path.join(temp.dir, 'desk.sqlite'));
  });
  afterEach(() => {
    db.close();
    temp.remove();
  });

  const counted = (workspaceId: string) =>
    (db
      .prepare('SELECT bytes FROM workspace_file_bytes WHERE workspace_id = ?')
      .pluck()
      .get(workspaceId) as number | undefined) ?? 0;
  const workspace = (slug: string) =>
    createCustomerWithWorkspace(
      db,
      {
        ownerUserId: 'u1',
        customer: { kind: 'organization', name: slug },
        workspace: { name: slug, slug },
      },
      0,
    ).workspaceId;
  const upload = (workspaceId: string, sha: string, size: number) => {
    db.prepare(
      'INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, 0) ON CONFLICT DO NOTHING',
    ).run(sha.repeat(64), size);
    db.prepare(
      `INSERT INTO workspace_blobs (workspace_id, sha256, name, type, size, uploaded_by, uploaded_at)
       VALUES (?, ?, 'f', 'text/plain', ?, 'u1', 0)`,
    ).run(workspaceId, sha.repeat(64), size);
  };

  it('counts the files stored before it, then follows uploads and removals exactly', () => {
    migrate(
      db,
      migrations.filter((m) => m.version < m0025WorkspaceFileBytes.version),
    );
    db.prepare(
      `INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)
       VALUES ('u1', 'u1@example.com', 'U', '!', 0, 0)`,
    ).run();
    const a = workspace('acme-one');
    const b = workspace('acme-two');
    upload(a, 'a', 100);
    upload(a, 'b', 40);
    upload(b, 'a', 100);
    migrate(db, migrations);
    expect([counted(a), counted(b)]).toEqual([140, 100]);

    upload(a, 'c', 7);
    expect(counted(a)).toBe(147);
    db.prepare('DELETE FROM workspace_blobs WHERE workspace_id = ? AND sha256 = ?').run(
      a,
      'b'.repeat(64),
    );
    expect(counted(a)).toBe(107);
    db.prepare('DELETE FROM workspace_blobs WHERE workspace_id = ?').run(b);
    expect([counted(a), counted(b)]).toEqual([107, 0]);
  });
});
