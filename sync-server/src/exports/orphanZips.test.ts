import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportResponse } from '@desk/protocol';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { getBytes } from '../testing/exportTestSupport.ts';
import { ORPHAN_ZIP_MS } from './ExportService.ts';

// On the disk (DATA_DIR/exports/zips) by default; with TEST_SERVER_BACKEND=postgres on the
// cluster's PostgreSQL (PgBlobStore, space `exports`).
let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer({ SNAPSHOT_INTERVAL_MINUTES: '0' });
});
afterAll(() => t.close());

/** A zip stored by a build whose process died before it marked its job ready. */
const leftByADeadProcess = (bytes: string) =>
  t.server.exports.service.zips.put(Readable.from([Buffer.from(bytes)]), 1_000_000);

describe('the orphan export zip sweep', () => {
  it('deletes a zip no export names once it is older than a day, and keeps the named ones', async () => {
    const owner = await signUp(t);
    const base = `/api/workspaces/${owner.slug}/exports`;
    const started = await owner.client.post<ExportResponse>(base);
    expect(started.status).toBe(202);
    const { service } = t.server.exports;
    await service.idle();
    const row = await t.server.services.control.exportJobs.get(started.body.export.id);
    expect(row?.state).toBe('ready');
    const orphan = await leftByADeadProcess(`zip of a dead process ${Math.random()}`);

    // Stored just now: it may be a build on another process about to record it.
    expect(await service.sweepOrphanZips()).toBe(0);
    expect(await service.zips.has(orphan.sha256)).toBe(true);

    expect(await service.sweepOrphanZips(Date.now() + ORPHAN_ZIP_MS + 60_000)).toBe(1);
    expect(await service.zips.has(orphan.sha256)).toBe(false);
    expect(await service.zips.has(row!.zipSha256!)).toBe(true);
    const download = await getBytes(t.server, owner.client, `${base}/${row!.id}/download`);
    expect(download.status).toBe(200);
  });

  it('leaves attachments alone: they are another space, even with the same bytes', async () => {
    const bytes = `an export zip uploaded again as an attachment ${Math.random()}`;
    const { service } = t.server.exports;
    const attachment = await t.server.services.blobs.put(Readable.from([Buffer.from(bytes)]), 1000);
    const orphan = await leftByADeadProcess(bytes);
    expect(orphan.sha256).toBe(attachment.sha256);
    expect(await service.sweepOrphanZips(Date.now() + ORPHAN_ZIP_MS + 60_000)).toBe(1);
    expect(await service.zips.has(orphan.sha256)).toBe(false);
    expect(await t.server.services.blobs.has(attachment.sha256)).toBe(true);
  });
});
