import { expect, it } from 'vitest';
import { until } from '@desk/protocol/testing';
import { openPgControlPlane } from '../testing/controlPlaneDatabases.ts';
import { seedUser, seedWorkspace } from '../testing/controlPlaneSeed.ts';
import { describeWithPostgres } from '../testing/scaleOutParts.ts';
import { SqlUserStore } from './SqlUserStore.ts';

// Account deletion reads the account's workspaces inside its transaction after `lockRow`
// (AccountDeletion): an invitation accepted on another process at the same time must then
// either have committed before that read or wait for the deletion to commit. The
// membership's foreign key check takes the user's row in share mode, which `FOR UPDATE`
// excludes. (SQLite's IMMEDIATE write transaction holds the whole database: nothing to test.)

await describeWithPostgres('UserStore.lockRow on PostgreSQL', () => {
  it('a membership added by another connection while the row is held waits for the holder to commit', async () => {
    const db = await openPgControlPlane();
    try {
      const other = await db.another();
      const ownerId = await seedUser(db.sql, { name: 'Owner' });
      const userId = await seedUser(db.sql, { name: 'Leaving' });
      const workspaceId = await seedWorkspace(db.sql, { ownerId, slug: 'acme' });
      const users = new SqlUserStore(db.sql, () => 0);

      let locked!: () => void;
      const held = new Promise<void>((resolve) => (locked = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let membershipsSeen = -1;
      const deletion = db.sql.transaction(async () => {
        await users.lockRow(userId);
        locked();
        await released;
        const rows = await db.sql.all('SELECT workspace_id FROM memberships WHERE user_id = ?', [
          userId,
        ]);
        membershipsSeen = rows.length;
      });
      await held;

      let joined = false;
      const join = other.sql
        .run(
          'INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)',
          [workspaceId, userId, 'agent', 0],
        )
        .then(() => (joined = true));
      // The insert is waiting for the row's lock (not merely slow).
      await until(async () => {
        const row = await other.sql.get<{ n: number }>(
          `SELECT COUNT(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return (row?.n ?? 0) > 0;
      }, 'the membership insert waits for the lock');
      expect(joined).toBe(false);

      release();
      await deletion;
      await join;
      // The holder read before the join committed; the join then went through.
      expect(membershipsSeen).toBe(0);
      expect(joined).toBe(true);
    } finally {
      await db.close();
    }
  });
});
