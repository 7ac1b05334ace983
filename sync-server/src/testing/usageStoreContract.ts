import { describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import type { AsyncUsageStore } from '../usage/UsageStore.ts';
import { seedUser, seedWorkspace } from './controlPlaneSeed.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';

/**
 * A document row as the document store leaves it: `logBytes` of log after a merged state of
 * `stateBytes` (none when 0). The state's row differs between the engines (SQLite keeps it
 * in chunks), its `bytes` column does not; the storage counters follow by their triggers.
 */
async function seedDoc(
  sql: SqlDatabase,
  workspaceId: string,
  docId: string,
  { logBytes, stateBytes = 0 }: { logBytes: number; stateBytes?: number },
): Promise<void> {
  await sql.run(
    `INSERT INTO docs (doc_id, workspace_id, last_seq, log_count, log_bytes, updated_at)
     VALUES (?, ?, 1, 1, ?, 0)`,
    [docId, workspaceId, logBytes],
  );
  if (stateBytes === 0) return;
  if (sql.dialect.name === 'sqlite') {
    await sql.run(
      'INSERT INTO doc_states (doc_id, version, bytes, chunks, through_log_id) VALUES (?, 1, ?, 0, 0)',
      [docId, stateBytes],
    );
  } else {
    await sql.run(
      'INSERT INTO doc_states (doc_id, generation, bytes, chunks, through_log_id) VALUES (?, 1, ?, 0, 0)',
      [docId, stateBytes],
    );
  }
}

/**
 * What every UsageStore reports, on SQLite (wrapped or on the seam) and on PostgreSQL — run
 * also on a PostgreSQL database whose collation is not C (usageStores.test.ts), where a
 * range of document ids does not hold the ids of a prefix.
 */
export function describeUsageStoreContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncUsageStore>>,
): void {
  describe(`UsageStore on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const setup = async () => {
      const fixture = await openOne();
      const { sql } = fixture.db;
      const ownerId = await seedUser(sql, { name: 'Ana' });
      const acme = await seedWorkspace(sql, { ownerId, slug: 'acme' });
      const beta = await seedWorkspace(sql, { ownerId, slug: 'beta' });
      return { ...fixture, usage: fixture.store, sql, ownerId, acme, beta };
    };

    it('reports an empty workspace without a subscription as nothing used', async () => {
      const { usage, acme } = await setup();
      expect(await usage.figures(acme)).toEqual({
        planId: null,
        seatLimitOverride: null,
        documentCount: 0,
        documentBytes: 0,
        largest: null,
        indexBytes: 0,
        ticketCount: 0,
        attachmentBytes: 0,
        members: 1,
      });
    });

    it('counts the workspace’s documents, tickets, index, files, members and plan — not another’s', async () => {
      const { usage, sql, acme, beta } = await setup();
      await sql.run(
        `INSERT INTO subscriptions (workspace_id, plan_id, state, seat_limit_override,
           state_changed_at, created_at, updated_at)
         VALUES (?, 'team', 'active', 12, 0, 0, 0)`,
        [acme],
      );
      const bob = await seedUser(sql, { name: 'Bob' });
      await sql.run(
        `INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (?, ?, 'agent', 0)`,
        [acme, bob],
      );
      // The index was rewritten twice: g3 is the index, the first and g2 stay for late devices.
      await seedDoc(sql, acme, `${acme}:index`, { logBytes: 100, stateBytes: 9_000 });
      await seedDoc(sql, acme, `${acme}:index:g2`, { logBytes: 50, stateBytes: 7_000 });
      await seedDoc(sql, acme, `${acme}:index:g3`, { logBytes: 30, stateBytes: 2_000 });
      await seedDoc(sql, acme, `${acme}:index:head`, { logBytes: 10 });
      await seedDoc(sql, acme, `${acme}:ticket:t1`, { logBytes: 300, stateBytes: 3_000 });
      await seedDoc(sql, acme, `${acme}:ticket:t2`, { logBytes: 40 });
      await seedDoc(sql, acme, `${acme}:ticket:t3`, { logBytes: 20 });
      await seedDoc(sql, acme, `${acme}:chat`, { logBytes: 5 });
      await seedDoc(sql, beta, `${beta}:ticket:t1`, { logBytes: 99_999 });
      await sql.run('INSERT INTO workspace_file_bytes (workspace_id, bytes) VALUES (?, ?)', [
        acme,
        4_096,
      ]);

      expect(await usage.figures(acme)).toEqual({
        planId: 'team',
        seatLimitOverride: 12,
        documentCount: 8,
        documentBytes: 9_100 + 7_050 + 2_030 + 10 + 3_300 + 40 + 20 + 5,
        // The replaced generations are larger, and count for neither.
        largest: { docId: `${acme}:ticket:t1`, bytes: 3_300 },
        indexBytes: 2_030,
        ticketCount: 3,
        attachmentBytes: 4_096,
        members: 2,
      });
      expect(await usage.figures(beta)).toMatchObject({
        documentCount: 1,
        ticketCount: 1,
        largest: { docId: `${beta}:ticket:t1`, bytes: 99_999 },
        indexBytes: 0,
        attachmentBytes: 0,
      });
    });

    it('takes a never rewritten index as it is, and counts a deleted ticket no more', async () => {
      const { usage, sql, acme } = await setup();
      await seedDoc(sql, acme, `${acme}:index`, { logBytes: 700 });
      await seedDoc(sql, acme, `${acme}:ticket:t1`, { logBytes: 60 });
      await seedDoc(sql, acme, `${acme}:ticket:t2`, { logBytes: 50 });
      await sql.run('DELETE FROM docs WHERE doc_id = ?', [`${acme}:ticket:t2`]);
      expect(await usage.figures(acme)).toMatchObject({
        documentCount: 2,
        documentBytes: 760,
        largest: { docId: `${acme}:index`, bytes: 700 },
        indexBytes: 700,
        ticketCount: 1,
      });
    });
  });
}
