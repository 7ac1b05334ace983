import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../test/support/tempDir.ts';
import { SqliteDocStore } from '../../store/SqliteDocStore.ts';
import { openSqlite, type SqliteDatabase } from '../Database.ts';
import { migrate } from '../migrate.ts';
import { migrations } from './index.ts';
import { m0013DocStateChunks } from './0013_docStateChunks.ts';

describe('migration 13: merged states are split into chunks', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let db: SqliteDatabase;

  beforeEach(() => {
    temp = makeTempDir('desk-m13-');
    db = openSqlite(path.join(temp.dir, 'desk.sqlite'));
  });
  afterEach(() => {
    db.close();
    temp.remove();
  });

  it('keeps every merged state byte for byte, in 256 KiB chunks, and the log beside it', () => {
    migrate(
      db,
      migrations.filter((m) => m.version < m0013DocStateChunks.version),
    );
    // Rows as the store wrote them before version 13: one state blob per doc.
    const big = new Uint8Array(600 * 1024).map((_, i) => (i * 7919) % 251);
    const small = new Uint8Array([1, 2, 3]);
    const insertDoc = db.prepare(
      `INSERT INTO docs (doc_id, workspace_id, last_seq, log_count, log_bytes, updated_at)
       VALUES (?, 'ws1', ?, ?, ?, 0)`,
    );
    insertDoc.run('ws1:index', 2, 1, 4);
    insertDoc.run('ws1:t1', 3, 0, 0);
    insertDoc.run('ws1:t2', 4, 1, 4);
    const insertState = db.prepare('INSERT INTO doc_states (doc_id, state) VALUES (?, ?)');
    insertState.run('ws1:index', big);
    insertState.run('ws1:t1', small);
    db.prepare('INSERT INTO doc_updates (doc_id, data) VALUES (?, ?)').run(
      'ws1:index',
      new Uint8Array([9, 9, 9, 9]),
    );
    db.prepare('INSERT INTO doc_updates (doc_id, data) VALUES (?, ?)').run(
      'ws1:t2',
      new Uint8Array([8, 8, 8, 8]),
    );

    expect(migrate(db, migrations)).toContain(m0013DocStateChunks.version);

    const chunks = db
      .prepare(
        'SELECT doc_id, version, idx, length(data) AS bytes FROM doc_state_chunks ORDER BY 1, 3',
      )
      .all();
    expect(chunks).toEqual([
      { doc_id: 'ws1:index', version: 1, idx: 0, bytes: 256 * 1024 },
      { doc_id: 'ws1:index', version: 1, idx: 1, bytes: 256 * 1024 },
      { doc_id: 'ws1:index', version: 1, idx: 2, bytes: 88 * 1024 },
      { doc_id: 'ws1:t1', version: 1, idx: 0, bytes: 3 },
    ]);
    const store = new SqliteDocStore(db);
    const index = store.load('ws1:index')!;
    expect(Buffer.from(index.state!).equals(Buffer.from(big))).toBe(true);
    expect(index.log.map((u) => Array.from(u))).toEqual([[9, 9, 9, 9]]);
    expect(index.storedBytes).toBe(big.byteLength + 4);
    expect(Array.from(store.load('ws1:t1')!.state!)).toEqual([1, 2, 3]);
    expect(store.load('ws1:t2')!.state).toBeNull();
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
