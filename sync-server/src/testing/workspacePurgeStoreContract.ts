import { describe, expect, it } from 'vitest';
import type { AsyncWorkspacePurgeStore } from '../deletion/WorkspacePurgeStore.ts';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import { seedUser, seedWorkspace } from './controlPlaneSeed.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';

const sha = (c: string) => c.repeat(64);

/**
 * A workspace's rows in the tables a purge must empty, written through the seam (so the same
 * on both engines): documents with their log (and on PostgreSQL their merged state, kept by
 * PgDocStore), a snapshot sharing a blob with `shared`, an attachment shared likewise, an
 * export job, a moderation case with a report and a disabled item, a subscription, audit
 * entries (one of the deletion's own) and its deletion schedule.
 */
async function seedContent(
  sql: SqlDatabase,
  workspaceId: string,
  userId: string,
  own: string,
): Promise<void> {
  const run = (text: string, params: (string | number | Buffer)[]) => sql.run(text, params);
  await run(
    `INSERT INTO subscriptions (workspace_id, plan_id, state, state_changed_at, created_at, updated_at)
     VALUES (?, 'team', 'active', 0, 0, 0)`,
    [workspaceId],
  );
  for (const doc of ['index', 'ticket:t1']) {
    const docId = `${workspaceId}:${doc}`;
    await run(
      `INSERT INTO docs (doc_id, workspace_id, last_seq, log_count, log_bytes, updated_at)
       VALUES (?, ?, 1, 1, 3, 0)`,
      [docId, workspaceId],
    );
    await run('INSERT INTO doc_updates (doc_id, data) VALUES (?, ?)', [docId, Buffer.from('abc')]);
    if (sql.dialect.name === 'postgres') {
      // A merged state as PgDocStore writes it (schema 13): its row and its one chunk.
      await run(
        'INSERT INTO doc_states (doc_id, generation, bytes, chunks, through_log_id) VALUES (?, 1, 4, 1, 0)',
        [docId],
      );
      await run(
        'INSERT INTO doc_state_chunks (doc_id, generation, idx, data) VALUES (?, 1, 0, ?)',
        [docId, Buffer.from('abcd')],
      );
    }
  }
  await run('INSERT INTO workspace_seq (workspace_id, seq) VALUES (?, 1)', [workspaceId]);
  for (const hash of ['shared', own]) {
    await run(
      `INSERT INTO snapshot_blobs (hash, data, size, stored_size, created_at)
       VALUES (?, ?, 3, 3, 0) ON CONFLICT (hash) DO NOTHING`,
      [hash, Buffer.from(hash)],
    );
  }
  await run(
    `INSERT INTO snapshots (id, workspace_id, created_at, seq, store_generation, trigger, status)
     VALUES (?, ?, 0, 1, 'g', 'pre_restore', 'complete')`,
    [`snap-${workspaceId}`, workspaceId],
  );
  for (const [doc, hash] of [
    ['index', 'shared'],
    ['ticket:t1', own],
  ] as const) {
    await run(
      'INSERT INTO snapshot_docs (snapshot_id, doc_id, hash, doc_seq) VALUES (?, ?, ?, 1)',
      [`snap-${workspaceId}`, `${workspaceId}:${doc}`, hash],
    );
  }
  await run(
    `INSERT INTO snapshot_restores (pre_restore_snapshot_id, workspace_id, snapshot_id, scope, restored_at)
     VALUES (?, ?, 'gone', 'workspace', 0)`,
    [`snap-${workspaceId}`, workspaceId],
  );
  for (const file of [sha('s'), sha(own.slice(-1))]) {
    await run(
      'INSERT INTO blobs (sha256, size, created_at) VALUES (?, 5, 0) ON CONFLICT (sha256) DO NOTHING',
      [file],
    );
    await run(
      `INSERT INTO workspace_blobs (workspace_id, sha256, name, type, size, uploaded_by, uploaded_at)
       VALUES (?, ?, 'f.txt', 'text/plain', 5, ?, 0)`,
      [workspaceId, file, userId],
    );
  }
  await run(
    `INSERT INTO workspace_exports (id, workspace_id, requested_by, state, created_at)
     VALUES (?, ?, ?, 'ready', 0)`,
    [`export-${workspaceId}`, workspaceId, userId],
  );
  const caseId = `case-${workspaceId}`;
  await run(
    `INSERT INTO moderation_cases (id, workspace_id, item_key, item, source, opened_at)
     VALUES (?, ?, 'ticket:t1', '{}', 'report', 0)`,
    [caseId, workspaceId],
  );
  await run(
    `INSERT INTO moderation_reports (id, case_id, workspace_id, reported_by, category, text, created_at)
     VALUES (?, ?, ?, ?, 'spam', 'x', 0)`,
    [`report-${workspaceId}`, caseId, workspaceId, userId],
  );
  await run(
    `INSERT INTO disabled_items (workspace_id, item_key, case_id, reason, disabled_at)
     VALUES (?, 'ticket:t1', ?, 'spam', 0)`,
    [workspaceId, caseId],
  );
  for (const action of ['ticket.created', 'workspace.deletion_requested']) {
    await run(
      `INSERT INTO audit_log (at, actor_kind, actor_user_id, action, target_kind, target_id, workspace_id)
       VALUES (0, 'user', ?, ?, 'workspace', ?, ?)`,
      [userId, action, workspaceId, workspaceId],
    );
  }
  await run(
    `INSERT INTO workspace_deletions (workspace_id, reason, requested_by, requested_at, purge_after)
     VALUES (?, 'owner_request', ?, 0, ?)`,
    [workspaceId, userId, own === 'own-b' ? 200 : 100],
  );
}

/** Resolves once a session of this PostgreSQL database waits for a lock (another's purge). */
async function blockedOnALock(sql: SqlDatabase): Promise<void> {
  for (let polls = 0; polls < 10_000; polls += 1) {
    const waiting = await sql.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if ((waiting?.n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the purge never waited for the capture’s lock');
}

/**
 * What every WorkspacePurgeStore does, on SQLite (wrapped or on the seam) and on PostgreSQL:
 * every row of the workspace gone from every table that has one — the control plane's and
 * the documents' — the blobs only it used gone and the shared ones kept, the deletion's own
 * audit entries kept, the purge recorded and listed. And two processes at once: purging the
 * same workspace, and a purge while another workspace's capture reuses a snapshot blob.
 */
export function describeWorkspacePurgeStoreContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncWorkspacePurgeStore>>,
): void {
  describe(`WorkspacePurgeStore on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const setup = async () => {
      const fixture = await openOne();
      const sql = fixture.db.sql;
      const userId = await seedUser(sql, { name: 'Ana' });
      const acme = await seedWorkspace(sql, { ownerId: userId, slug: 'acme' });
      const beta = await seedWorkspace(sql, { ownerId: userId, slug: 'beta' });
      await seedContent(sql, acme, userId, 'own-a');
      await seedContent(sql, beta, userId, 'own-b');
      return { ...fixture, purge: fixture.store, sql, userId, acme, beta };
    };
    const count = async (sql: SqlDatabase, text: string, params: string[]) =>
      (await sql.get<{ n: number }>(text, params))?.n;

    it('deletes every row of the workspace and the blobs only it used', async () => {
      const { purge, sql, acme, beta } = await setup();
      const customerId = await purge.customerOf(acme);
      expect(customerId).toEqual(expect.any(String));
      const held = await purge.tablesHolding(acme);
      expect(held).toEqual(
        expect.arrayContaining(['documents', 'workspaces', 'memberships', 'docs']),
      );
      expect(held).toEqual(
        expect.arrayContaining(['snapshots', 'workspace_blobs', 'disabled_items']),
      );
      expect(held).not.toContain('audit_log');

      const { tables, orphanBlobs } = await purge.purgeRows(acme);
      expect(orphanBlobs).toEqual([sha('a')]);
      expect(tables).toMatchObject({
        workspaces: 1,
        docs: 2,
        doc_updates: 2,
        snapshot_blobs: 1,
        blobs: 1,
      });
      expect(await purge.tablesHolding(acme)).toEqual([]);
      expect(await purge.customerOf(acme)).toBeNull();
      // The other workspace keeps everything, shared blobs included.
      expect(await purge.tablesHolding(beta)).toEqual(held);
      expect(
        await count(sql, 'SELECT COUNT(*) AS n FROM snapshot_blobs WHERE hash IN (?, ?, ?)', [
          'shared',
          'own-a',
          'own-b',
        ]),
      ).toBe(2);
      expect(
        await count(sql, 'SELECT COUNT(*) AS n FROM blobs WHERE sha256 IN (?, ?)', [
          sha('s'),
          sha('a'),
        ]),
      ).toBe(1);

      expect(await purge.purgeAudit(acme)).toBe(1);
      expect(
        (
          await sql.all<{ action: string }>('SELECT action FROM audit_log WHERE workspace_id = ?', [
            acme,
          ])
        ).map((r) => r.action),
      ).toEqual(['workspace.deletion_requested']);
    });

    it('records each purge and lists pending deletions and the latest purges', async () => {
      const { purge, acme, beta } = await setup();
      const customerId = (await purge.customerOf(acme))!;
      expect(await purge.overview(10)).toEqual({
        pending: [
          {
            workspaceId: acme,
            slug: 'acme',
            name: 'ACME',
            reason: 'owner_request',
            requestedAt: 0,
            purgeAfter: 100,
          },
          {
            workspaceId: beta,
            slug: 'beta',
            name: 'BETA',
            reason: 'owner_request',
            requestedAt: 0,
            purgeAfter: 200,
          },
        ],
        purged: [],
      });
      await purge.purgeRows(acme);
      const record = {
        workspaceId: acme,
        customerId,
        reason: 'owner_request',
        requestedAt: 0,
        purgedAt: 300,
      };
      await purge.recordPurge(record);
      await purge.recordPurge({ ...record, purgedAt: 400 });
      await purge.recordPurge({
        workspaceId: 'older',
        customerId,
        reason: 'subscription_terminated',
        requestedAt: null,
        purgedAt: 350,
      });
      expect(await purge.purged(acme)).toEqual({ ...record, purgedAt: 400 });
      expect(await purge.purged(beta)).toBeNull();
      const { pending, purged } = await purge.overview(1);
      expect(pending.map((p) => p.workspaceId)).toEqual([beta]);
      expect(purged).toEqual([{ ...record, purgedAt: 400 }]);
    });

    it('leaves the file alone, on PostgreSQL, and merges SQLite’s search index', async () => {
      const { purge, sql } = await setup();
      await purge.secureDelete(true);
      await purge.secureDelete(false);
      await purge.checkpoint();
      const bound = await purge.searchMergeBound();
      let slices = 0;
      while ((await purge.mergeSearchIndex()) && slices < bound) slices += 1;
      expect(slices).toBeLessThan(Math.max(bound, 1));
      if (sql.dialect.name === 'postgres') expect(bound).toBe(0);
    });

    it('purges once when two processes purge the same workspace at once', async () => {
      const { purge, another, acme, beta } = await setup();
      const other = await another();
      const results = await Promise.all([purge.purgeRows(acme), other.purgeRows(acme)]);
      expect(results.flatMap((r) => r.orphanBlobs)).toEqual([sha('a')]);
      expect(results.map((r) => r.tables.workspaces).sort()).toEqual([0, 1]);
      expect(await purge.tablesHolding(acme)).toEqual([]);
      expect(await purge.tablesHolding(beta)).toContain('documents');
    });

    // The synchronous store cannot meet a seam transaction of another connection in one
    // process: its busy wait would hold the event loop the other needs to commit.
    it.skipIf(engine === 'SQLite (wrapped)')(
      'keeps a snapshot blob another process is reusing while the purge runs',
      async () => {
        const { purge, sql, db, acme, beta } = await setup();
        const other = await db.another();
        // Beta's next capture reuses acme's own blob while acme is purged: it has locked the
        // blob and written its row, and commits only once the purge waits for it (PostgreSQL;
        // on SQLite the purge waits for the whole transaction). The purge must then find the
        // blob used — without its own lock it deleted it and failed on the foreign key.
        await sql.run(
          `INSERT INTO snapshots (id, workspace_id, created_at, seq, store_generation, trigger, status)
         VALUES ('next', ?, 1, 2, 'g', 'schedule', 'capturing')`,
          [beta],
        );
        let purging: Promise<unknown> | null = null;
        await other.sql.transaction(async () => {
          await other.sql.get(
            `SELECT hash FROM snapshot_blobs WHERE hash = 'own-a'${other.sql.dialect.forUpdate}`,
          );
          await other.sql.run(
            `INSERT INTO snapshot_docs (snapshot_id, doc_id, hash, doc_seq) VALUES ('next', ?, 'own-a', 2)`,
            [`${beta}:ticket:t9`],
          );
          purging = purge.purgeRows(acme);
          if (sql.dialect.name === 'postgres') await blockedOnALock(sql);
        });
        await purging;
        expect(
          await count(sql, 'SELECT COUNT(*) AS n FROM snapshot_blobs WHERE hash = ?', ['own-a']),
        ).toBe(1);
        expect(await purge.tablesHolding(acme)).toEqual([]);
      },
    );
  });
}
