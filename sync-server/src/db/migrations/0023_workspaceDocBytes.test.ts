import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../test/support/tempDir.ts';
import { SqliteDocStore } from '../../store/SqliteDocStore.ts';
import { openSqlite, type SqliteDatabase } from '../Database.ts';
import { migrate } from '../migrate.ts';
import { m0028ClosedWorkspaces } from './0028_closedWorkspaces.ts';
import { m0029DocUpdateCounts } from './0029_docUpdateCounts.ts';
import { m0031ClosedDocs } from './0031_closedDocs.ts';
import { migrations } from './index.ts';
import { m0023WorkspaceDocBytes } from './0023_workspaceDocBytes.ts';

describe('migration 23: what each workspace’s documents weigh, kept by triggers', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let db: SqliteDatabase;

  beforeEach(() => {
    temp = makeTempDir('desk-m23-');
    db = openSqlite(path.join(temp.dir, 'desk.sqlite'));
  });
  afterEach(() => {
    db.close();
    temp.remove();
  });

  /** The counter, and the sum it stands for (what BlobQuota used to scan). */
  const counted = (workspaceId: string) =>
    (db
      .prepare('SELECT bytes FROM workspace_doc_bytes WHERE workspace_id = ?')
      .pluck()
      .get(workspaceId) as number | undefined) ?? 0;
  const summed = (workspaceId: string) =>
    db
      .prepare(
        `SELECT COALESCE(SUM(COALESCE(s.bytes, 0) + d.log_bytes), 0)
         FROM docs d LEFT JOIN doc_states s ON s.doc_id = d.doc_id WHERE d.workspace_id = ?`,
      )
      .pluck()
      .get(workspaceId) as number;
  const bytes = (n: number) => new Uint8Array(n).fill(1);

  it('counts the documents stored before it, then follows appends, compactions and deletions exactly', async () => {
    migrate(
      db,
      migrations.filter((m) => m.version < m0023WorkspaceDocBytes.version),
    );
    // Today's store writes what a server before migration 23 wrote, but reads the closed
    // workspaces (migration 28) and closed docs (31) on appends and counts each doc's updates
    // (29): lent to it, then taken back.
    m0028ClosedWorkspaces.up(db);
    m0029DocUpdateCounts.up(db);
    m0031ClosedDocs.up(db);
    const before = new SqliteDocStore(db, Date.now, { chunkBytes: 64 });
    const [first] = before.append([
      { docId: 'ws1:ticket:a', workspaceId: 'ws1', update: bytes(100) },
    ]);
    before.append([{ docId: 'ws1:index', workspaceId: 'ws1', update: bytes(40) }]);
    before.compact('ws1:ticket:a', bytes(70), first!.logId);
    before.append([{ docId: 'ws2:ticket:a', workspaceId: 'ws2', update: bytes(5) }]);
    db.exec('DROP TABLE closed_workspaces');
    db.exec('ALTER TABLE docs DROP COLUMN updates_stored');
    db.exec('DROP TABLE closed_docs');
    migrate(db, migrations);
    expect([counted('ws1'), counted('ws2'), counted('ws3')]).toEqual([110, 5, 0]);

    const store = new SqliteDocStore(db, Date.now, { chunkBytes: 64 });
    const rows = store.append([
      { docId: 'ws1:ticket:a', workspaceId: 'ws1', update: bytes(30) },
      { docId: 'ws1:ticket:b', workspaceId: 'ws1', update: bytes(20) },
    ]);
    expect(counted('ws1')).toBe(160);
    // A compaction replaces state and log; a sliced one (state in chunks) as well.
    store.compact('ws1:ticket:a', bytes(90), rows[0]!.logId);
    expect(counted('ws1')).toBe(summed('ws1'));
    await store.compactInSlices('ws1:ticket:b', bytes(300), rows[1]!.logId);
    expect(counted('ws1')).toBe(summed('ws1'));
    expect(counted('ws1')).toBe(90 + 40 + 300);
    store.deleteDocs(['ws1:ticket:a']);
    expect(counted('ws1')).toBe(340);
    store.deleteWorkspace('ws1');
    expect([counted('ws1'), counted('ws2')]).toEqual([0, 5]);
  });
});
