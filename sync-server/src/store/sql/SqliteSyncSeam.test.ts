import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteDatabase } from '../../db/Database.ts';
import { SqliteSqlDatabase } from './SqliteSqlDatabase.ts';
import {
  sqliteSyncSeam,
  TransactionAwaitedIoError,
  type SqliteSyncSeam,
} from './SqliteSyncSeam.ts';

/** A synchronous store, as the SQLite control-plane stores are. */
class Notes {
  constructor(private readonly db: SqliteDatabase) {}
  add(text: string): void {
    this.db.prepare('INSERT INTO notes (text) VALUES (?)').run(text);
  }
  all(): string[] {
    return this.db
      .prepare('SELECT text FROM notes ORDER BY rowid')
      .all()
      .map((row) => (row as { text: string }).text);
  }
}

describe('the synchronous SQLite stores on the async seam (issue 19)', () => {
  let db: SqliteDatabase;
  let seam: SqliteSyncSeam;
  let notes: Notes;

  beforeEach(() => {
    db = openSqlite(':memory:');
    db.exec('CREATE TABLE notes (text TEXT NOT NULL)');
    seam = sqliteSyncSeam(new SqliteSqlDatabase(db));
    notes = new Notes(db);
  });
  afterEach(() => db.close());

  it('a wrapped store answers through its async interface', async () => {
    const wrapped = seam.wrap(notes);
    await wrapped.add('one');
    expect(await wrapped.all()).toEqual(['one']);
  });

  it('a transaction commits every wrapped call in it, or rolls all of them back', async () => {
    const wrapped = seam.wrap(notes);
    await seam.transactions.write(async () => {
      await wrapped.add('kept');
      await wrapped.add('kept too');
    });
    await expect(
      seam.transactions.write(async () => {
        await wrapped.add('undone');
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(notes.all()).toEqual(['kept', 'kept too']);
  });

  it('a call from outside an open transaction waits for its end instead of joining it', async () => {
    const wrapped = seam.wrap(notes);
    // Another request's call, made (from its own context) while the transaction is open.
    let release!: () => void;
    const outside = new Promise<void>((resolve) => (release = resolve)).then(() =>
      wrapped.add('outside'),
    );
    await expect(
      seam.transactions.write(async () => {
        await wrapped.add('inside');
        release();
        await Promise.resolve();
        await wrapped.add('inside too');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await outside;
    expect(notes.all()).toEqual(['outside']);
  });

  it('a transaction that waits for I/O is refused and leaves nothing', async () => {
    const wrapped = seam.wrap(notes);
    await expect(
      seam.transactions.write(async () => {
        await wrapped.add('before the wait');
        await new Promise((resolve) => setTimeout(resolve, 1));
      }),
    ).rejects.toBeInstanceOf(TransactionAwaitedIoError);
    expect(notes.all()).toEqual([]);
  });

  it('a transaction inside another joins it', async () => {
    const wrapped = seam.wrap(notes);
    await expect(
      seam.transactions.write(async () => {
        await seam.transactions.write(() => wrapped.add('inner'));
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    expect(notes.all()).toEqual([]);
  });
});
