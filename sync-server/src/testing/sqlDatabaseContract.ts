import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';

/** One engine behind the seam: a fresh, empty database and a second connection to it. */
export interface SqlDatabaseFixture {
  readonly db: SqlDatabase;
  /** Another connection (another process) to the same database. */
  readonly another: () => Promise<SqlDatabase>;
  readonly close: () => Promise<void>;
}

/**
 * What a control-plane store may rely on from `SqlDatabase`, on either engine: one SQL text,
 * the same rows back, transactions that roll back whole and compose, and `forUpdate`
 * making count-then-insert exact across connections.
 */
export function describeSqlDatabaseContract(
  engine: string,
  open: () => Promise<SqlDatabaseFixture>,
): void {
  describe(`SqlDatabase on ${engine}`, () => {
    let fixture: SqlDatabaseFixture;
    let db: SqlDatabase;

    beforeEach(async () => {
      fixture = await open();
      db = fixture.db;
      const blob = db.dialect.name === 'postgres' ? 'bytea' : 'BLOB';
      await db.run(
        `CREATE TABLE items (id text PRIMARY KEY, n bigint NOT NULL, data ${blob}, note text)`,
      );
      await db.run('CREATE TABLE boxes (id text PRIMARY KEY, size integer NOT NULL)');
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('binds ? placeholders in order and reads integers, counts and sums as numbers', async () => {
      const big = 1_760_000_000_000;
      await db.run('INSERT INTO items (id, n, note) VALUES (?, ?, ?)', ['a', big, null]);
      await db.run('INSERT INTO items (id, n, note) VALUES (?, ?, ?)', ['b', 2, "it's ?"]);
      expect(await db.get('SELECT id, n, note FROM items WHERE id = ?', ['a'])).toEqual({
        id: 'a',
        n: big,
        note: null,
      });
      // A ? inside a string literal is text, not a parameter.
      expect(
        await db.get<{ note: string }>(
          "SELECT note FROM items WHERE note = 'it''s ?' AND n = ?",
          [2],
        ),
      ).toEqual({ note: "it's ?" });
      expect(await db.get('SELECT COUNT(*) AS c, SUM(n) AS s, MAX(n) AS m FROM items', [])).toEqual(
        { c: 2, s: big + 2, m: big },
      );
      expect(await db.get('SELECT id FROM items WHERE id = ?', ['none'])).toBeUndefined();
      expect(await db.all('SELECT id FROM items ORDER BY id')).toEqual([{ id: 'a' }, { id: 'b' }]);
    });

    it('stores bytes and reads them back as a Buffer', async () => {
      const bytes = new Uint8Array([0, 1, 2, 250, 255]);
      await db.run('INSERT INTO items (id, n, data) VALUES (?, ?, ?)', ['a', 1, bytes]);
      const row = await db.get<{ data: Buffer }>('SELECT data FROM items WHERE id = ?', ['a']);
      expect(Buffer.isBuffer(row?.data)).toBe(true);
      expect([...row!.data]).toEqual([...bytes]);
    });

    it('upserts with ON CONFLICT, returns rows with RETURNING, and counts changes', async () => {
      const upsert = `INSERT INTO items (id, n) VALUES (?, ?)
                      ON CONFLICT (id) DO UPDATE SET n = items.n + excluded.n RETURNING n`;
      expect(await db.get(upsert, ['a', 5])).toEqual({ n: 5 });
      expect(await db.get(upsert, ['a', 7])).toEqual({ n: 12 });
      await db.run('INSERT INTO items (id, n) VALUES (?, ?)', ['b', 1]);
      expect(await db.run('UPDATE items SET n = n + 1')).toEqual({ changes: 2 });
      expect(await db.run('DELETE FROM items WHERE id = ?', ['none'])).toEqual({ changes: 0 });
    });

    it('tells a unique violation from other errors', async () => {
      await db.run('INSERT INTO items (id, n) VALUES (?, ?)', ['a', 1]);
      const duplicate = await db.run('INSERT INTO items (id, n) VALUES (?, ?)', ['a', 2]).then(
        () => null,
        (error: unknown) => error,
      );
      expect(db.dialect.isUniqueViolation(duplicate)).toBe(true);
      const other = await db.run('INSERT INTO nowhere (id) VALUES (?)', ['a']).then(
        () => null,
        (error: unknown) => error,
      );
      expect(other).not.toBeNull();
      expect(db.dialect.isUniqueViolation(other)).toBe(false);
    });

    it('reads a text field of a JSON object stored as text (jsonText)', async () => {
      await db.run('INSERT INTO items (id, n, note) VALUES (?, ?, ?), (?, ?, ?)', [
        'a',
        1,
        JSON.stringify({ grantId: 'g1', n: 2 }),
        'b',
        2,
        JSON.stringify({ other: 'g1' }),
      ]);
      const rows = await db.all<{ id: string }>(
        `SELECT id FROM items WHERE ${db.dialect.jsonText('note', 'grantId')} = ? ORDER BY id`,
        ['g1'],
      );
      expect(rows).toEqual([{ id: 'a' }]);
    });

    it('commits a transaction whole, and rolls it back whole when it throws', async () => {
      const result = await db.transaction(async () => {
        await db.run('INSERT INTO items (id, n) VALUES (?, ?)', ['a', 1]);
        await db.run('INSERT INTO items (id, n) VALUES (?, ?)', ['b', 2]);
        return 'done';
      });
      expect(result).toBe('done');
      await expect(
        db.transaction(async () => {
          await db.run('INSERT INTO items (id, n) VALUES (?, ?)', ['c', 3]);
          // Inside, the transaction sees its own write.
          expect(await db.get('SELECT COUNT(*) AS c FROM items')).toEqual({ c: 3 });
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(await db.all('SELECT id FROM items ORDER BY id')).toEqual([{ id: 'a' }, { id: 'b' }]);
    });

    it('joins an inner transaction to the outer one: an inner failure rolls back both', async () => {
      await expect(
        db.transaction(async () => {
          await db.run('INSERT INTO items (id, n) VALUES (?, ?)', ['outer', 1]);
          await db.transaction(async () => {
            await db.run('INSERT INTO items (id, n) VALUES (?, ?)', ['inner', 2]);
          });
          throw new Error('outer fails after the inner one finished');
        }),
      ).rejects.toThrow('outer fails');
      expect(await db.all('SELECT id FROM items')).toEqual([]);
    });

    it('keeps statements from outside an open transaction out of it', async () => {
      let letGo!: () => void;
      const held = new Promise<void>((resolve) => (letGo = resolve));
      let inserted!: () => void;
      const insertedInside = new Promise<void>((resolve) => (inserted = resolve));
      const transaction = db.transaction(async () => {
        await db.run('INSERT INTO items (id, n) VALUES (?, ?)', ['inside', 1]);
        inserted();
        await held;
        throw new Error('rolled back');
      });
      await insertedInside;
      // Another request's write while the transaction waits: it must survive the rollback.
      const outside = db.run('INSERT INTO items (id, n) VALUES (?, ?)', ['outside', 2]);
      letGo();
      await expect(transaction).rejects.toThrow('rolled back');
      await outside;
      expect(await db.all('SELECT id FROM items')).toEqual([{ id: 'outside' }]);
    });

    it('counts then inserts exactly up to a limit when connections race (forUpdate)', async () => {
      await db.run('INSERT INTO boxes (id, size) VALUES (?, ?)', ['box', 3]);
      const connections = [db, await fixture.another(), await fixture.another()];
      const put = (via: SqlDatabase, id: string) =>
        via.transaction(async () => {
          const box = await via.get<{ size: number }>(
            `SELECT size FROM boxes WHERE id = ?${via.dialect.forUpdate}`,
            ['box'],
          );
          const { c } = (await via.get<{ c: number }>('SELECT COUNT(*) AS c FROM items'))!;
          if (c >= box!.size) return false;
          await via.run('INSERT INTO items (id, n) VALUES (?, ?)', [id, c]);
          return true;
        });
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => put(connections[i % 3]!, `item-${i}`)),
      );
      expect(results.filter(Boolean)).toHaveLength(3);
      expect(await db.get('SELECT COUNT(*) AS c FROM items')).toEqual({ c: 3 });
    });
  });
}
