import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { makeTempDir } from '../../../../test/support/tempDir.ts';
import { SqliteDocStore } from '../../store/SqliteDocStore.ts';
import { openSqlite, type SqliteDatabase } from '../Database.ts';
import { migrate } from '../migrate.ts';
import { migrations } from './index.ts';
import { m0009DocStates } from './0009_docStates.ts';

describe('migration 9: merged states move to doc_states', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let db: SqliteDatabase;

  beforeEach(() => {
    temp = makeTempDir('desk-m9-');
    db = openSqlite(path.join(temp.dir, 'desk.sqlite'));
  });
  afterEach(() => {
    db.close();
    temp.remove();
  });

  it('keeps every document of a database written with the old schema, state and log alike', () => {
    const before = migrations.filter((m) => m.version < m0009DocStates.version);
    migrate(db, before);
    // Rows as the store wrote them before version 9: the state inside `docs`.
    const [a, b, c] = textUpdates(3);
    const compacted = Y.mergeUpdates([a!, b!]);
    const insertDoc = db.prepare(
      `INSERT INTO docs (doc_id, workspace_id, state, last_seq, log_count, log_bytes, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 0)`,
    );
    const insertLog = db.prepare('INSERT INTO doc_updates (doc_id, data) VALUES (?, ?)');
    insertDoc.run('ws1:index', 'ws1', compacted, 3, 1, c!.byteLength);
    insertLog.run('ws1:index', c!);
    insertDoc.run('ws1:t1', 'ws1', null, 4, 1, a!.byteLength);
    insertLog.run('ws1:t1', a!);
    db.prepare('INSERT INTO workspace_seq (workspace_id, seq) VALUES (?, ?)').run('ws1', 4);

    expect(migrate(db, migrations)).toContain(m0009DocStates.version);

    const columns = db.prepare("SELECT name FROM pragma_table_info('docs')").pluck().all();
    expect(columns).not.toContain('state');
    const store = new SqliteDocStore(db);
    const index = store.load('ws1:index')!;
    expect(Array.from(index.state!)).toEqual(Array.from(compacted));
    expect(index.log.map((u) => Array.from(u))).toEqual([Array.from(c!)]);
    expect(index.lastSeq).toBe(3);
    expect(index.storedBytes).toBe(compacted.byteLength + c!.byteLength);
    const ticket = store.load('ws1:t1')!;
    expect(ticket.state).toBeNull();
    expect(ticket.log).toHaveLength(1);
    expect(store.changedSince('ws1', 0)).toEqual([
      { docId: 'ws1:index', seq: 3 },
      { docId: 'ws1:t1', seq: 4 },
    ]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');

    // And the store goes on from there.
    store.append([{ docId: 'ws1:index', workspaceId: 'ws1', update: textUpdates(1)[0]! }]);
    expect(store.load('ws1:index')!.lastSeq).toBe(5);
  });
});

/** `count` successive updates of one Y.Text. */
function textUpdates(count: number): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  for (let i = 0; i < count; i++) doc.getText('t').insert(i, String(i));
  return updates;
}
