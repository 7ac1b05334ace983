import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../test/support/tempDir.ts';
import { SqliteDocStore } from '../../store/SqliteDocStore.ts';
import { openSqlite, type SqliteDatabase } from '../Database.ts';
import { migrate } from '../migrate.ts';
import { migrations } from './index.ts';
import { m0017TicketCounts } from './0017_ticketCounts.ts';

describe('migration 17: ticket documents are counted per workspace', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let db: SqliteDatabase;

  beforeEach(() => {
    temp = makeTempDir('desk-m17-');
    db = openSqlite(path.join(temp.dir, 'desk.sqlite'));
  });
  afterEach(() => {
    db.close();
    temp.remove();
  });

  it('counts the ticket documents that exist, and only those, then follows new and deleted ones', () => {
    migrate(
      db,
      migrations.filter((m) => m.version < m0017TicketCounts.version),
    );
    const insertDoc = db.prepare(
      `INSERT INTO docs (doc_id, workspace_id, last_seq, log_count, log_bytes, updated_at)
       VALUES (?, ?, 1, 0, 0, 0)`,
    );
    insertDoc.run('ws1:ticket:a', 'ws1');
    insertDoc.run('ws1:ticket:b', 'ws1');
    insertDoc.run('ws1:index', 'ws1');
    insertDoc.run('ws1:channel:ticket:c', 'ws1');
    insertDoc.run('ws2:ticket:a', 'ws2');
    migrate(db, migrations);
    const store = new SqliteDocStore(db);
    expect([store.ticketCount('ws1'), store.ticketCount('ws2'), store.ticketCount('ws3')]).toEqual([
      2, 1, 0,
    ]);
    store.append([{ docId: 'ws1:ticket:new', workspaceId: 'ws1', update: new Uint8Array([0, 0]) }]);
    store.deleteDocs(['ws2:ticket:a']);
    expect([store.ticketCount('ws1'), store.ticketCount('ws2')]).toEqual([3, 0]);
  });
});
