import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { SqliteTicketNumberCounter } from './TicketNumberCounter.ts';

let dir: string;
let dbs: SqliteDatabase[] = [];

function open(): SqliteDatabase {
  const db = openSqlite(path.join(dir, 'desk.sqlite'));
  dbs.push(db);
  return db;
}

function seedWorkspace(db: SqliteDatabase, id: string): void {
  db.prepare(
    `INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)
     VALUES ('u-' || ?, ? || '@example.com', 'U', 'x', 0, 0)`,
  ).run(id, id);
  db.prepare(
    `INSERT INTO customers (id, kind, name, owner_user_id, created_at) VALUES (?, 'person', 'C', 'u-' || ?, 0)`,
  ).run(`c-${id}`, id);
  db.prepare(
    `INSERT INTO workspaces (id, customer_id, slug, name, created_at) VALUES (?, ?, ?, 'W', 0)`,
  ).run(id, `c-${id}`, id);
}

afterEach(() => {
  for (const db of dbs) db.close();
  dbs = [];
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('TicketNumberCounter', () => {
  it('hands out consecutive, disjoint blocks per workspace starting at 1', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-numbers-'));
    const db = open();
    migrate(db, migrations);
    seedWorkspace(db, 'ws1');
    seedWorkspace(db, 'ws2');
    const counter = new SqliteTicketNumberCounter(db);
    expect(counter.reserve('ws1', 20)).toEqual({ from: 1, to: 20 });
    expect(counter.reserve('ws1', 5)).toEqual({ from: 21, to: 25 });
    expect(counter.reserve('ws2', 3)).toEqual({ from: 1, to: 3 });
  });

  it('never overlaps when two connections to one database reserve in turns', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-numbers-'));
    const first = open();
    migrate(first, migrations);
    seedWorkspace(first, 'ws1');
    const second = open();
    const a = new SqliteTicketNumberCounter(first);
    const b = new SqliteTicketNumberCounter(second);
    const seen = new Set<number>();
    for (let i = 0; i < 50; i += 1) {
      const block = (i % 2 ? a : b).reserve('ws1', 7);
      for (let n = block.from; n <= block.to; n += 1) {
        expect(seen.has(n)).toBe(false);
        seen.add(n);
      }
    }
    expect(seen.size).toBe(350);
  });

  it('refuses block sizes outside 1..100', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-numbers-'));
    const db = open();
    migrate(db, migrations);
    const counter = new SqliteTicketNumberCounter(db);
    expect(() => counter.reserve('ws1', 0)).toThrow(RangeError);
    expect(() => counter.reserve('ws1', 101)).toThrow(RangeError);
  });
});
