import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { createLogger } from '../log/logger.ts';
import { SqliteDocStore } from '../store/SqliteDocStore.ts';
import { compactionDue, type CompactionLimits } from './compactionPolicy.ts';
import { DocRooms } from './DocRooms.ts';
import { defaultSyncLimits } from './SyncLimits.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const limits: CompactionLimits = defaultSyncLimits;

describe('compactionDue', () => {
  it('ROOM-4 never compacts an empty log', () => {
    expect(compactionDue({ logRows: 0, logBytes: 0, stateBytes: 0 }, limits)).toBe(false);
    expect(compactionDue({ logRows: 0, logBytes: 0, stateBytes: 100 * MiB }, limits)).toBe(false);
  });

  it('ROOM-4 compacts a small document at the floors: 500 rows or 1 MiB of log', () => {
    const small = { stateBytes: 10 * KiB };
    expect(compactionDue({ ...small, logRows: 499, logBytes: 50 * KiB }, limits)).toBe(false);
    expect(compactionDue({ ...small, logRows: 500, logBytes: 50 * KiB }, limits)).toBe(true);
    expect(compactionDue({ ...small, logRows: 3, logBytes: MiB - 1 }, limits)).toBe(false);
    expect(compactionDue({ ...small, logRows: 3, logBytes: MiB }, limits)).toBe(true);
  });

  it('ROOM-4 waits for a large document’s log to weigh half its merged state', () => {
    const big = { stateBytes: 100 * MiB };
    expect(compactionDue({ ...big, logRows: 500, logBytes: MiB }, limits)).toBe(false);
    expect(compactionDue({ ...big, logRows: 5_000, logBytes: 50 * MiB - 1 }, limits)).toBe(false);
    expect(compactionDue({ ...big, logRows: 5_000, logBytes: 50 * MiB }, limits)).toBe(true);
  });

  it('ROOM-4 compacts a large document after one log row per KiB of state, however small the rows', () => {
    const big = { stateBytes: 100 * MiB };
    expect(compactionDue({ ...big, logRows: 102_399, logBytes: 4 * MiB }, limits)).toBe(false);
    expect(compactionDue({ ...big, logRows: 102_400, logBytes: 4 * MiB }, limits)).toBe(true);
  });

  it('ROOM-4 costs the same compaction work per update for a 1 MB and a 100 MB document (field edits)', () => {
    // A doc whose state does not grow, edited with 40-byte updates: work is what each
    // compaction re-encodes (state plus log), spread over the updates that waited for it.
    const perUpdate = (stateBytes: number) =>
      simulate({ stateBytes, updateBytes: 40, grows: false });
    const small = perUpdate(MiB);
    const huge = perUpdate(100 * MiB);
    expect(huge).toBeLessThanOrEqual(small * 1.05);
    expect(huge).toBeLessThanOrEqual(limits.compactStateBytesPerRow + 40 + 1);
    // The rule it replaced (500 rows) re-encoded 200 KiB of a 100 MB state per edit.
    expect((100 * MiB) / limits.compactAfterUpdates).toBeGreaterThan(100 * huge);
  });

  it('ROOM-4 costs a bounded multiple of the bytes written while a document grows to 100 MB', () => {
    // Inserts: every logged byte stays in the state, which grows from nothing.
    const ratio = simulate({ stateBytes: 0, updateBytes: 2 * KiB, grows: true, until: 100 * MiB });
    expect(ratio / (2 * KiB)).toBeLessThanOrEqual(1 + 1 / limits.compactLogRatio + 0.1);
  });
});

/**
 * Bytes re-encoded by compaction per update, under `compactionDue` with the default limits,
 * for a run of equal updates: 200,000 of them, or until the state reaches `until`.
 */
function simulate(run: {
  stateBytes: number;
  updateBytes: number;
  grows: boolean;
  until?: number;
}): number {
  let { stateBytes } = run;
  let logRows = 0;
  let logBytes = 0;
  let work = 0;
  let updates = 0;
  while (run.until === undefined ? updates < 200_000 : stateBytes < run.until) {
    updates++;
    logRows++;
    logBytes += run.updateBytes;
    if (compactionDue({ logRows, logBytes, stateBytes }, limits)) {
      work += stateBytes + logBytes;
      if (run.grows) stateBytes += logBytes;
      logRows = 0;
      logBytes = 0;
    }
  }
  return work / updates;
}

describe('compaction of a loaded document, by the rule', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: SqliteDocStore;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-compaction-policy-'));
    db = openSqlite(path.join(dir, 'desk.sqlite'));
    migrate(db, migrations);
    store = new SqliteDocStore(db);
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ROOM-4 leaves a large document’s log alone past the floors, and folds it once it weighs half the state', async () => {
    // Floors far below the document: only the proportional rules can hold compaction off.
    const rooms = () =>
      new DocRooms(
        store,
        { ...defaultSyncLimits, compactAfterUpdates: 10, compactAfterBytes: KiB },
        createLogger('silent'),
        Date.now,
      );
    const source = new Y.Doc();
    const text = source.getText('t');
    text.insert(0, 'x'.repeat(200 * KiB));
    const state = Y.encodeStateAsUpdate(source);
    const [first] = store.append([{ docId: 'ws1:index', workspaceId: 'ws1', update: state }]);
    store.compact('ws1:index', state, first!.logId);
    const updates: Uint8Array[] = [];
    source.on('update', (u: Uint8Array) => updates.push(u));
    const write = () => {
      store.append(
        updates.splice(0).map((update) => ({ docId: 'ws1:index', workspaceId: 'ws1', update })),
      );
    };

    // 50 rows, ~20 KiB: past both floors, far from half of 200 KiB or 200 rows.
    for (let i = 0; i < 50; i++) text.insert(0, 'y'.repeat(400));
    write();
    const early = rooms();
    const room = await early.load('ws1:index', 'ws1');
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(store.load('ws1:index')!.log).toHaveLength(50);
    expect(room.logCount).toBe(50);
    early.unloadAll();

    // 40 more rows of 2 KiB: the log now outweighs half the state.
    for (let i = 0; i < 40; i++) text.insert(0, 'z'.repeat(2 * KiB));
    write();
    const later = rooms();
    const again = await later.load('ws1:index', 'ws1');
    await new Promise<void>((resolve) => setImmediate(resolve));
    const stored = store.load('ws1:index')!;
    expect(stored.log).toHaveLength(0);
    expect(again.logCount).toBe(0);
    const reloaded = new Y.Doc();
    Y.applyUpdate(reloaded, stored.state!);
    expect(reloaded.getText('t').toString()).toBe(text.toString());
    later.unloadAll();
  });
});
