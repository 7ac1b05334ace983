import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { InProcessJobLease } from '../lifecycle/JobLease.ts';
import { createLogger } from '../log/logger.ts';
import { HeavyYjs } from '../offthread/HeavyYjs.ts';
import { heavyWorkerCode } from '../worker/heavyWorkerCode.ts';
import { SnapshotSchedule } from './SnapshotSchedule.ts';
import { SnapshotService } from './SnapshotService.ts';
import { snapshotSyncOf } from './SnapshotSync.ts';
import { createTicket, setTicketField } from '../testing/snapshotTestSupport.ts';
import { sqliteWorkspaceReader } from './SqliteWorkspaceReader.ts';
import { asyncReaderOf } from './WorkspaceReader.ts';

const HOUR = 60 * 60 * 1000;

let t: AuthTestServer;
let service: SnapshotService;
let schedule: SnapshotSchedule;
beforeAll(async () => {
  t = await startAuthTestServer({ SNAPSHOT_INTERVAL_MINUTES: '0' });
  const sync = snapshotSyncOf(t.server.sync);
  const log = createLogger('silent');
  const now = () => t.clock.now;
  service = new SnapshotService({
    control: t.server.services.control,
    log,
    now,
    sync,
    openReader: asyncReaderOf(sqliteWorkspaceReader(t.server.ctx.config.sqlitePath!)),
    // Every document through the worker thread, as the 10,000-ticket index doc goes.
    heavy: new HeavyYjs(log, heavyWorkerCode, 0),
  });
  schedule = new SnapshotSchedule(log, now, service, sync, HOUR, new InProcessJobLease());
});
afterAll(async () => {
  await service.heavy.close();
  await t.close();
});

const blobCount = () =>
  (t.server.ctx.db.prepare('SELECT COUNT(*) AS n FROM snapshot_blobs').get() as { n: number }).n;

describe('SnapshotSchedule', () => {
  it('snapshots only workspaces that changed since their last snapshot, at most once per interval', async () => {
    const busy = await signUp(t);
    const quiet = await signUp(t);
    await createTicket(t.server.sync, busy.workspaceId, 't1', 'One', 1);
    await createTicket(t.server.sync, quiet.workspaceId, 'q1', 'Quiet', 1);

    const first = await schedule.tick();
    expect(first).toEqual(expect.arrayContaining([busy.workspaceId, quiet.workspaceId]));

    t.clock.advance(HOUR);
    await setTicketField(t.server.sync, busy.workspaceId, 't1', 'status', 'solved');
    const second = await schedule.tick();
    expect(second).toContain(busy.workspaceId);
    expect(second).not.toContain(quiet.workspaceId);

    // Changed again, but the last scheduled snapshot is younger than the interval.
    t.clock.advance(HOUR / 2);
    await setTicketField(t.server.sync, busy.workspaceId, 't1', 'status', 'open');
    expect(await schedule.tick()).not.toContain(busy.workspaceId);
    expect((await service.list(busy.workspaceId)).map((s) => s.trigger)).toEqual([
      'schedule',
      'schedule',
    ]);
  });

  it('retention deletes only expired snapshots and only the blobs nothing references', async () => {
    const w = await signUp(t);
    await createTicket(t.server.sync, w.workspaceId, 'a', 'Stays the same', 1);
    await createTicket(t.server.sync, w.workspaceId, 'b', 'Changes', 2);
    // One snapshot per hour for 60 hours, ticket b's row changing each time.
    for (let i = 0; i < 60; i += 1) {
      await setTicketField(t.server.sync, w.workspaceId, 'b', 'title', `Changes ${i}`);
      await service.take(w.workspaceId, { trigger: 'schedule' });
      t.clock.advance(HOUR);
    }
    await service.take(w.workspaceId, { trigger: 'manual', label: 'keep me' });
    const before = await service.list(w.workspaceId);
    const blobsBefore = blobCount();

    const result = await service.applyRetention(w.workspaceId);
    const after = await service.list(w.workspaceId);
    const policy = await service.retentionPolicy(w.workspaceId);
    expect(policy).toEqual({ hourly: 48, days: 7 }); // trial plan

    expect(result.snapshots).toBe(before.length - after.length);
    expect(after.find((s) => s.label === 'keep me')).toBeDefined();
    expect(after.filter((s) => s.trigger === 'schedule').length).toBeGreaterThanOrEqual(48);
    expect(result.snapshots).toBeGreaterThan(0);
    // Each deleted snapshot held its own version of the index doc; ticket docs are shared.
    expect(blobCount()).toBe(blobsBefore - result.blobs);
    expect(result.blobs).toBe(result.snapshots);
    // Every snapshot kept can still be read in full.
    for (const snapshot of after) {
      const contents = await service.contents(w.workspaceId, snapshot.id);
      expect(contents.tickets.map((x) => x.id).sort()).toEqual(['a', 'b']);
    }
  });
});
