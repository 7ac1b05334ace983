import { fencedJobParts } from '../testing/fencedJobParts.ts';
import { expect, it } from 'vitest';
import { until } from '@desk/protocol/testing';
import { AccessEvents } from '../access/AccessEvents.ts';
import { DAY_MS } from '../billing/SubscriptionState.ts';
import { pgControlPlane } from '../clusterServices.ts';
import { loadConfig } from '../config/config.ts';
import { DeletionSweeper } from '../deletion/DeletionSweeper.ts';
import { WorkspaceDeletion } from '../deletion/WorkspaceDeletion.ts';
import { ShutdownHooks } from '../lifecycle/ShutdownHooks.ts';
import { createLogger } from '../log/logger.ts';
import type { MailMessage } from '../mail/Mailer.ts';
import { PgDocStore } from '../store/postgres/PgDocStore.ts';
import { PgSqlDatabase } from '../store/sql/PgSqlDatabase.ts';
import { clusterDocStore } from '../sync/SyncDocStore.ts';
import { engineDocs } from '../sync/SyncEngine.ts';
import { seedUser, seedWorkspace } from '../testing/controlPlaneSeed.ts';
import { describeWithPostgresAndRedis } from '../testing/scaleOutParts.ts';
import { RedisJobLease } from './RedisJobLease.ts';

// fencedCompaction.test.ts's case for the workspace purge: the deletion sweep's holder has
// closed a workspace and deleted its documents, and is paused (a long GC, a frozen VM)
// before its rows go, past the lease's TTL; another process takes the sweep over and purges
// the workspace whole — its record, its audit entry, the owner's mail. Then the paused one
// wakes up and carries on. The store sees both fences.

const PURGE_DUE_AT = 8 * DAY_MS;

await describeWithPostgresAndRedis(
  'the workspace purge under its lease, fenced by the store',
  { ownServer: false },
  () => {
    const parts = fencedJobParts();

    /**
     * One process: its own pool, control plane and leases on the shared PostgreSQL and Redis,
     * its clock at `now`, and a sweeper whose deletion of documents can be held (`paused`).
     */
    const serverProcess = async (name: string, now: number) => {
      const { pool, leases } = await parts.process(name, 4);
      const sql = new PgSqlDatabase(pool);
      const access = new AccessEvents();
      const control = pgControlPlane(sql, { now: () => now, access });
      const store = new PgDocStore(pool);
      const warnings: string[] = [];
      const log = createLogger('warn', { write: (line: string) => void warnings.push(line) });
      const mails: MailMessage[] = [];
      const mailer = {
        kind: 'outbox' as const,
        send: async (m: MailMessage) => void mails.push(m),
      };
      const state: { paused: Promise<void> | null; deleting: boolean } = {
        paused: null,
        deleting: false,
      };
      const config = loadConfig({});
      const workspaceDeletion = new WorkspaceDeletion({
        config,
        log,
        access,
        control,
        mailer,
        docs: engineDocs(await clusterDocStore(store)),
        documents: {
          closeWorkspace: (workspaceId) => store.closeWorkspace(workspaceId),
          deleteDocsDrained: async (docIds) => {
            state.deleting = true;
            await state.paused;
            return store.deleteDocs(docIds);
          },
        },
        blobs: () => null,
        now: () => now,
      });
      const sweeper = new DeletionSweeper({
        config,
        jobLease: new RedisJobLease(leases),
        log,
        shutdown: new ShutdownHooks(log),
        mailer,
        now: () => now,
        control,
        workspaceDeletion,
      });
      return { sql, sweeper, state, warnings, mails };
    };

    it('refuses the stale sweeper’s purge once the new holder purged; one record, one audit entry, one mail', async () => {
      await parts.start();
      const a = await serverProcess('a', PURGE_DUE_AT);
      const b = await serverProcess('b', PURGE_DUE_AT + 1000);
      const ownerId = await seedUser(a.sql, { name: 'Olga' });
      const workspaceId = await seedWorkspace(a.sql, { ownerId, slug: 'acme' });
      await a.sql.run(
        `INSERT INTO workspace_deletions (workspace_id, reason, requested_by, requested_at, purge_after)
       VALUES (?, 'owner_request', ?, 0, ?)`,
        [workspaceId, ownerId, DAY_MS * 7],
      );

      // A takes the sweep, closes the workspace, and freezes while deleting its documents.
      let wake = () => {};
      a.state.paused = new Promise<void>((resolve) => (wake = resolve));
      const staleSweep = a.sweeper.sweepOnce();
      await until(() => a.state.deleting, 'A is purging');
      // Its key expires meanwhile (deleted here: the TTL is long so that no renewal runs and
      // tells A, as for a process that is not running at all).
      await parts.expire(`job:deletion-sweep`);

      // B takes the sweep over and purges the workspace whole.
      const current = await b.sweeper.sweepOnce();
      expect(current?.purged.map((p) => p.workspaceId)).toEqual([workspaceId]);
      expect(b.mails).toHaveLength(1);

      // A wakes up and carries on: refused at its next write; it stops.
      wake();
      const stale = await staleSweep;
      expect(stale?.purged).toEqual([]);
      expect(a.mails).toEqual([]);
      expect(a.warnings.join('\n')).toContain('workspace deletion sweep fenced out');
      const audit = await b.sql.all<{ id: string }>(
        "SELECT id FROM audit_log WHERE workspace_id = ? AND action = 'workspace.deletion_purged'",
        [workspaceId],
      );
      expect(audit).toHaveLength(1);
      const record = await b.sql.get<{ purged_at: number }>(
        'SELECT purged_at FROM purged_workspaces WHERE workspace_id = ?',
        [workspaceId],
      );
      expect(Number(record?.purged_at)).toBe(PURGE_DUE_AT + 1000);
    });
  },
);
