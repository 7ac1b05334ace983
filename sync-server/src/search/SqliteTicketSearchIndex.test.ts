import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { SqliteTicketSearchIndex } from './SqliteTicketSearchIndex.ts';
import { searchFields as fields } from '../testing/ticketSearchIndexContract.ts';

let dir: string;
let db: SqliteDatabase;
let index: SqliteTicketSearchIndex;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-search-'));
  db = openSqlite(path.join(dir, 'desk.sqlite'));
  migrate(db, migrations);
  index = new SqliteTicketSearchIndex(db);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const ids = (ws: string, q: string) => index.search(ws, q, 20).map((h) => h.ticketId);

/** What every index answers is in testing/ticketSearchIndexContract.ts; here, SQLite's own. */
describe('SqliteTicketSearchIndex', () => {
  it('rewrites only rows whose fields changed, and keeps the body when the fields change', () => {
    index.putFields('ws1', [fields('t1', 'Old title')], 1);
    index.putBody('ws1', 't1', 'body words', 2);
    const changes = db.prepare('SELECT total_changes() AS n').pluck();
    const before = changes.get() as number;
    index.putFields('ws1', [fields('t1', 'Old title')], 3);
    expect((changes.get() as number) - before).toBe(1); // the cursor only
    index.putFields('ws1', [fields('t1', 'New title')], 4);
    expect(ids('ws1', 'new body')).toEqual(['t1']);
    expect(ids('ws1', 'old')).toEqual([]);
  });

  describe('first page (the list before the index arrives)', () => {
    const DAY = 86_400_000;
    const now = 100 * DAY;
    const hotSince = now - 30 * DAY;
    const page = (ws: string, limit = 50) => index.firstPage(ws, limit, hotSince).map((r) => r.id);

    it('leaves out closed tickets old enough to be archived, keeps old open ones', () => {
      index.putFields(
        'ws1',
        [
          fields('old-closed', 'Old closed', {}, { status: 'closed', updatedAt: hotSince - 1 }),
          fields('old-solved', 'Old solved', {}, { status: 'solved', updatedAt: hotSince - 1 }),
          fields('new-closed', 'New closed', {}, { status: 'closed', updatedAt: hotSince }),
          fields('old-open', 'Old open', {}, { status: 'pending', updatedAt: 5 }),
        ],
        1,
      );
      expect(page('ws1')).toEqual(['new-closed', 'old-open']);
    });

    it('keeps a timestamp as written, also a fractional one, and orders by it exactly', () => {
      // Seen in the 10,000-ticket bench: one such row failed the index's whole projection.
      index.putFields(
        'ws1',
        [
          fields('a', 'A', {}, { updatedAt: now - 1.5 }),
          fields('b', 'B', {}, { updatedAt: now - 1.25 }),
        ],
        1,
      );
      expect(index.firstPage('ws1', 5, hotSince).map((r) => [r.id, r.updatedAt])).toEqual([
        ['b', now - 1.25],
        ['a', now - 1.5],
      ]);
      expect(ids('ws1', 'a')).toEqual(['a']);
    });

    it('follows changes of a row, and forgets the workspace whole', () => {
      index.putFields('ws1', [fields('t1', 'One', {}, { updatedAt: now - 5 })], 1);
      index.putFields('ws1', [fields('t2', 'Two', {}, { updatedAt: now - 4 })], 2);
      index.putFields('ws1', [fields('t1', 'One again', {}, { updatedAt: now - 3 })], 3);
      expect(index.firstPage('ws1', 5, hotSince).map((r) => r.title)).toEqual(['One again', 'Two']);
      index.putFields('ws1', [fields('t2', 'Two', { deleted: true }, { updatedAt: now - 4 })], 4);
      expect(page('ws1')).toEqual(['t1']);
      index.deleteWorkspace('ws1');
      expect(page('ws1')).toEqual([]);
    });
  });
});
