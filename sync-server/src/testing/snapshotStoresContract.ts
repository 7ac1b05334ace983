import { describe, expect, it } from 'vitest';
import type { AsyncRestoreRecordStore } from '../snapshots/RestoreRecordStore.ts';
import type {
  AsyncSnapshotStore,
  NewSnapshot,
  PendingSnapshotDoc,
} from '../snapshots/SnapshotStore.ts';
import { seedUser, seedWorkspace } from './controlPlaneSeed.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';

/** The snapshot tables' two stores, on one connection. */
export interface SnapshotStores {
  readonly snapshots: AsyncSnapshotStore;
  readonly restores: AsyncRestoreRecordStore;
}

const blobOf = (text: string, size = 100): PendingSnapshotDoc['blob'] => ({
  packed: Buffer.from(text),
  size,
});

/**
 * What every SnapshotStore and RestoreRecordStore do, on SQLite (wrapped or on the seam) and
 * on PostgreSQL: a capture begun, filled in batches and completed (only then listed), blobs
 * shared and removed once nothing uses them, what a crash left, a restore's record and its
 * one undo — and two processes meeting on the same rows: two captures storing one blob,
 * retention deleting a blob another capture reuses, two undos of one restore.
 */
export function describeSnapshotStoresContract(
  engine: string,
  open: () => Promise<StoreFixture<SnapshotStores>>,
): void {
  describe(`SnapshotStore and RestoreRecordStore on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const setup = async () => {
      const fixture = await openOne();
      const sql = fixture.db.sql;
      const userId = await seedUser(sql, { name: 'Ana' });
      const acme = await seedWorkspace(sql, { ownerId: userId, slug: 'acme' });
      const beta = await seedWorkspace(sql, { ownerId: userId, slug: 'beta' });
      const { snapshots, restores } = fixture.store;
      const snapshot = (id: string, workspaceId: string, over: Partial<NewSnapshot> = {}) =>
        ({
          id,
          workspaceId,
          createdAt: fixture.clock.now,
          seq: 5,
          storeGeneration: 'g1',
          trigger: 'schedule',
          authorUserId: null,
          label: null,
          restoreOf: null,
          restoreScope: null,
          ...over,
        }) satisfies NewSnapshot;
      /** A complete snapshot of `docs` (doc id → blob text). */
      const take = async (
        store: AsyncSnapshotStore,
        id: string,
        workspaceId: string,
        docs: Record<string, string>,
        over: Partial<NewSnapshot> = {},
      ) => {
        await store.begin(snapshot(id, workspaceId, over));
        const items = Object.entries(docs).map(([docId, text]) => ({
          row: { docId, hash: `h-${text}`, docSeq: 1 },
          blob: blobOf(text),
        }));
        const { addedBytes } = await store.commitDocs(id, items, fixture.clock.now);
        await store.complete(id, addedBytes);
        return addedBytes;
      };
      return { ...fixture, snapshots, restores, userId, acme, beta, snapshot, take };
    };

    it('lists a capture once complete, with its documents, counts and blobs', async () => {
      const { snapshots, snapshot, acme, userId, clock } = await setup();
      await snapshots.begin(
        snapshot('s1', acme, { trigger: 'manual', authorUserId: userId, label: 'before' }),
      );
      expect(await snapshots.list(acme)).toEqual([]);
      expect(await snapshots.get(acme, 's1')).toBeNull();
      const first = await snapshots.commitDocs(
        's1',
        [
          {
            row: { docId: `${acme}:index`, hash: 'h-index', docSeq: 4 },
            blob: blobOf('index', 300),
          },
          { row: { docId: `${acme}:ticket:t1`, hash: 'h-t1', docSeq: 5 }, blob: blobOf('t1', 200) },
        ],
        clock.now,
      );
      expect(first).toEqual({ addedBytes: 'index'.length + 't1'.length, missing: [] });
      // A blob stored already (another document with the same content) adds nothing.
      expect(await snapshots.putBlob('h-t1', Buffer.from('t1'), 200, clock.now)).toBe(0);
      await snapshots.addDocs('s1', [{ docId: `${acme}:ticket:t2`, hash: 'h-t1', docSeq: 2 }]);
      await snapshots.complete('s1', first.addedBytes);
      const record = await snapshots.get(acme, 's1');
      expect(record).toEqual({
        id: 's1',
        workspaceId: acme,
        createdAt: clock.now,
        seq: 5,
        storeGeneration: 'g1',
        trigger: 'manual',
        authorUserId: userId,
        authorName: 'Ana',
        label: 'before',
        restoreOf: null,
        restoreScope: null,
        restoreRecorded: false,
        restoreUndoneAt: null,
        docCount: 3,
        totalBytes: 700,
        addedBytes: 7,
      });
      expect(await snapshots.list(acme)).toEqual([record]);
      expect(await snapshots.latest(acme)).toEqual(record);
      expect(await snapshots.get('other', 's1')).toBeNull();
      expect((await snapshots.docs('s1')).sort((a, b) => a.docId.localeCompare(b.docId))).toEqual([
        { docId: `${acme}:index`, hash: 'h-index', docSeq: 4 },
        { docId: `${acme}:ticket:t1`, hash: 'h-t1', docSeq: 5 },
        { docId: `${acme}:ticket:t2`, hash: 'h-t1', docSeq: 2 },
      ]);
      expect(await snapshots.doc('s1', `${acme}:ticket:t1`)).toEqual({
        docId: `${acme}:ticket:t1`,
        hash: 'h-t1',
        docSeq: 5,
      });
      expect(await snapshots.doc('s1', `${acme}:ticket:nope`)).toBeNull();
      expect(await snapshots.hasBlob('h-index')).toBe(true);
      expect(await snapshots.hasBlob('h-nope')).toBe(false);
      expect(Buffer.from((await snapshots.blob('h-index'))!).toString()).toBe('index');
      expect(await snapshots.blob('h-nope')).toBeNull();
    });

    it('lists newest first, a millisecond’s snapshots in the order they were begun', async () => {
      const { take, snapshots, acme, clock } = await setup();
      await take(snapshots, 'zz-old', acme, { a: 'a' });
      clock.now += 1000;
      // Random ids: the later one may sort either way, the order must not.
      await take(snapshots, 'm-first', acme, { a: 'a' });
      await take(snapshots, 'a-second', acme, { a: 'a' });
      await take(snapshots, 'z-third', acme, { a: 'a' });
      expect((await snapshots.list(acme)).map((s) => s.id)).toEqual([
        'z-third',
        'a-second',
        'm-first',
        'zz-old',
      ]);
      expect((await snapshots.latest(acme))?.id).toBe('z-third');
    });

    it('deletes snapshots and only the blobs nothing uses any more', async () => {
      const { take, snapshots, acme, beta } = await setup();
      await take(snapshots, 's1', acme, { a: 'shared', b: 'only-s1' });
      await take(snapshots, 's2', beta, { a: 'shared' });
      expect(await snapshots.delete(['s1'])).toBe(1);
      expect(await snapshots.hasBlob('h-only-s1')).toBe(false);
      expect(await snapshots.hasBlob('h-shared')).toBe(true);
      expect(await snapshots.list(acme)).toEqual([]);
      expect(await snapshots.delete([])).toBe(0);
      await snapshots.deleteWorkspace(beta);
      expect(await snapshots.list(beta)).toEqual([]);
      expect(await snapshots.hasBlob('h-shared')).toBe(false);
    });

    it('removes what a crash left capturing, one workspace at a time, and reports a reused blob gone meanwhile', async () => {
      const { take, snapshots, snapshot, acme, beta, clock } = await setup();
      await take(snapshots, 'done', acme, { a: 'kept' });
      expect(await snapshots.incompleteWorkspaces()).toEqual([]);
      await snapshots.begin(snapshot('half', acme));
      await snapshots.commitDocs(
        'half',
        [{ row: { docId: 'x', hash: 'h-half', docSeq: 1 }, blob: blobOf('half') }],
        clock.now,
      );
      await snapshots.begin(snapshot('other', beta));
      expect(await snapshots.incompleteWorkspaces()).toEqual([acme, beta].sort());
      expect(await snapshots.deleteIncomplete(acme)).toBe(1);
      expect(await snapshots.hasBlob('h-half')).toBe(false);
      expect((await snapshots.list(acme)).map((s) => s.id)).toEqual(['done']);
      expect(await snapshots.deleteIncomplete(acme)).toBe(0);
      expect(await snapshots.incompleteWorkspaces()).toEqual([beta]);
      expect(await snapshots.deleteIncomplete(beta)).toBe(1);

      await snapshots.begin(snapshot('next', acme));
      const gone = { docId: 'y', hash: 'h-gone', docSeq: 1 };
      const result = await snapshots.commitDocs(
        'next',
        [
          { row: { docId: 'a', hash: 'h-kept', docSeq: 1 }, blob: null },
          { row: gone, blob: null },
        ],
        clock.now,
      );
      expect(result).toEqual({ addedBytes: 0, missing: [gone] });
      expect((await snapshots.docs('next')).map((d) => d.docId)).toEqual(['a']);
    });

    it('looks at every workspace but the terminated ones, in id order', async () => {
      const { snapshots, db, acme, beta } = await setup();
      expect(await snapshots.workspacesToSnapshot()).toEqual([acme, beta].sort());
      await db.sql.run(
        `INSERT INTO subscriptions (workspace_id, plan_id, state, state_changed_at, created_at, updated_at)
         VALUES (?, 'team', 'terminated', 0, 0, 0)`,
        [beta],
      );
      expect(await snapshots.workspacesToSnapshot()).toEqual([acme]);
    });

    it('records what a restore changed, and lets it be undone once', async () => {
      const { take, snapshots, restores, acme, userId, clock } = await setup();
      await take(snapshots, 'target', acme, { a: 'then' });
      await take(
        snapshots,
        'pre',
        acme,
        { a: 'now' },
        {
          trigger: 'pre_restore',
          authorUserId: userId,
          restoreOf: 'target',
          restoreScope: 'workspace',
        },
      );
      expect(await snapshots.get(acme, 'pre')).toMatchObject({
        restoreOf: 'target',
        restoreScope: 'workspace',
        restoreRecorded: false,
      });
      await restores.begin({
        preRestoreSnapshotId: 'pre',
        workspaceId: acme,
        snapshotId: 'target',
        scope: 'workspace',
        restoredAt: clock.now,
        restoredBy: userId,
      });
      await restores.addItems('pre', `${acme}:ticket:b`, [
        { path: ['fields', 'title'], after: 'd1' },
      ]);
      await restores.addItems('pre', `${acme}:index`, [
        { path: ['tickets', 't2'], after: null },
        { path: ['tickets', 't1'], after: 'd2' },
      ]);
      await restores.addItems('pre', `${acme}:index`, [{ path: ['tickets', 't1'], after: 'd3' }]);
      await restores.addItems('pre', `${acme}:index`, []);
      expect([...(await restores.items('pre'))]).toEqual([
        [
          `${acme}:index`,
          [
            { path: ['tickets', 't1'], after: 'd3' },
            { path: ['tickets', 't2'], after: null },
          ],
        ],
        [`${acme}:ticket:b`, [{ path: ['fields', 'title'], after: 'd1' }]],
      ]);
      expect(await restores.get('pre')).toEqual({
        preRestoreSnapshotId: 'pre',
        workspaceId: acme,
        snapshotId: 'target',
        scope: 'workspace',
        restoredAt: clock.now,
        restoredBy: userId,
        undoneAt: null,
        undoneBy: null,
      });
      expect(await snapshots.get(acme, 'pre')).toMatchObject({
        restoreRecorded: true,
        restoreUndoneAt: null,
      });
      expect(await restores.markUndone('pre', userId, clock.now + 5)).toBe(true);
      expect(await restores.markUndone('pre', userId, clock.now + 6)).toBe(false);
      expect(await restores.get('pre')).toMatchObject({
        undoneAt: clock.now + 5,
        undoneBy: userId,
      });
      expect(await snapshots.get(acme, 'pre')).toMatchObject({ restoreUndoneAt: clock.now + 5 });
      expect(await restores.get('nope')).toBeNull();
      expect((await restores.items('nope')).size).toBe(0);
      // The record goes with its pre-restore snapshot.
      await snapshots.delete(['pre']);
      expect(await restores.get('pre')).toBeNull();
    });

    it('stores one blob once when two processes capture it at once', async () => {
      const { take, snapshots, another, acme } = await setup();
      const other = (await another()).snapshots;
      const added = await Promise.all([
        take(snapshots, 'p1', acme, { a: 'same', b: 'mine' }),
        take(other, 'p2', acme, { a: 'same', b: 'theirs' }),
      ]);
      // 'same' is counted by the capture that stored it, once.
      expect(added.reduce((sum, n) => sum + n, 0)).toBe(
        'same'.length + 'mine'.length + 'theirs'.length,
      );
      for (const id of ['p1', 'p2']) {
        expect(await snapshots.get(acme, id)).toMatchObject({ docCount: 2, totalBytes: 200 });
      }
    });

    it('never leaves a row without its blob when retention races a capture reusing it', async () => {
      const { take, snapshots, snapshot, another, acme, beta, clock } = await setup();
      const other = (await another()).snapshots;
      for (let round = 0; round < 8; round += 1) {
        const hash = `h-r${round}`;
        await take(snapshots, `old${round}`, beta, { a: `r${round}` });
        await other.begin(snapshot(`new${round}`, acme));
        const row = { docId: 'a', hash, docSeq: 1 };
        const [removed, committed] = await Promise.all([
          snapshots.delete([`old${round}`]),
          other.commitDocs(`new${round}`, [{ row, blob: null }], clock.now),
        ]);
        const written = (await snapshots.docs(`new${round}`)).length === 1;
        // Either the capture wrote its row first (the blob stays) or retention removed the
        // blob first (the capture is told, to store it again) — never both, never neither.
        expect(written).toBe(committed.missing.length === 0);
        expect(removed).toBe(written ? 0 : 1);
        expect(await snapshots.hasBlob(hash)).toBe(written);
      }
    });

    it('undoes a restore once when two processes undo it at once', async () => {
      const { take, snapshots, restores, another, acme, userId, clock } = await setup();
      await take(snapshots, 'pre', acme, { a: 'now' }, { trigger: 'pre_restore' });
      await restores.begin({
        preRestoreSnapshotId: 'pre',
        workspaceId: acme,
        snapshotId: 'gone',
        scope: 'ticket:t1',
        restoredAt: clock.now,
        restoredBy: userId,
      });
      const other = (await another()).restores;
      const undone = await Promise.all(
        [restores, other, restores, other].map((store, i) =>
          store.markUndone('pre', userId, clock.now + i),
        ),
      );
      expect(undone.filter(Boolean)).toHaveLength(1);
    });
  });
}
