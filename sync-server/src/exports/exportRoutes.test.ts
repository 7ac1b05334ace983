import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportListResponse, ExportResponse } from '@desk/protocol';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import { SESSION_COOKIE } from '../identity/sessionCookie.ts';
import { exportZipBytes, getBytes } from '../testing/exportTestSupport.ts';
import { createTicket } from '../testing/snapshotTestSupport.ts';
import { addMember } from '../testing/workspaceTestSupport.ts';

const HOUR = 60 * 60 * 1000;
let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer({ SNAPSHOT_INTERVAL_MINUTES: '0', EXPORT_TTL_HOURS: '24' });
});
afterAll(() => t.close());

async function workspace() {
  const owner = await signUp(t);
  for (let i = 1; i <= 3; i += 1)
    await createTicket(t.server.sync, owner.workspaceId, `t${i}`, `Ticket ${i}`, i);
  const n = Math.random().toString(36).slice(2, 8);
  const admin = await addMember(t, owner.client, owner.slug, `admin-${n}@example.com`, 'admin');
  const agent = await addMember(t, owner.client, owner.slug, `agent-${n}@example.com`, 'agent');
  return { owner, admin, agent, base: `/api/workspaces/${owner.slug}/exports` };
}

async function readyExport(client: Awaited<ReturnType<typeof signUp>>['client'], base: string) {
  const res = await client.post<ExportResponse>(base);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body.export).toMatchObject({ state: 'queued', downloadable: false });
  await t.server.exports.service.idle();
  return res.body.export.id;
}

describe('export routes', () => {
  it('let the owner and admins export, and refuse agents and viewers', async () => {
    const w = await workspace();
    expect((await w.agent.client.post(w.base)).status).toBe(403);
    expect((await w.agent.client.get(w.base)).status).toBe(403);
    const id = await readyExport(w.admin.client, w.base);
    const list = await w.owner.client.get<ExportListResponse>(w.base);
    expect(list.body.exports).toEqual([
      expect.objectContaining({
        id,
        state: 'ready',
        requestedBy: { id: w.admin.userId, name: expect.any(String) },
      }),
    ]);
  });

  it('never show one workspace’s exports through another workspace', async () => {
    const a = await workspace();
    const b = await workspace();
    const id = await readyExport(a.owner.client, a.base);
    // B's owner, with A's export id under B's address or A's address: not found.
    expect((await b.owner.client.get(`${b.base}/${id}`)).status).toBe(404);
    expect((await getBytes(t.server, b.owner.client, `${b.base}/${id}/download`)).status).toBe(404);
    expect((await getBytes(t.server, b.owner.client, `${a.base}/${id}/download`)).status).toBe(404);
  });

  it('let only the requester download, and say so to the others', async () => {
    const w = await workspace();
    const id = await readyExport(w.admin.client, w.base);
    const asOwner = await w.owner.client.get<ExportResponse>(`${w.base}/${id}`);
    expect(asOwner.body.export.downloadable).toBe(false);
    expect((await getBytes(t.server, w.owner.client, `${w.base}/${id}/download`)).status).toBe(403);
    const mine = await getBytes(t.server, w.admin.client, `${w.base}/${id}/download`);
    expect(mine.status).toBe(200);
    expect(mine.headers.get('content-disposition')).toMatch(
      /^attachment; filename=".+-export-\d{4}-\d\d-\d\d\.zip"$/,
    );
    expect(mine.bytes.subarray(0, 2).toString()).toBe('PK');
    expect(mine.headers.get('content-length')).toBe(String(mine.bytes.length));
  });

  it('expire after EXPORT_TTL_HOURS: the file is deleted, the download answers 410, the audit log says so', async () => {
    const w = await workspace();
    const id = await readyExport(w.owner.client, w.base);
    const { zips } = t.server.exports.service;
    const zip = (await t.server.services.control.exportJobs.get(id))!.zipSha256!;
    expect(await zips.has(zip)).toBe(true);
    t.clock.advance(23 * HOUR);
    expect(await t.server.exports.service.expireDue()).toBe(0);
    expect((await getBytes(t.server, w.owner.client, `${w.base}/${id}/download`)).status).toBe(200);
    t.clock.advance(2 * HOUR);
    // Past its time the route refuses even before the sweep deleted the file.
    const late = await w.owner.client.get<{ error: { code: string } }>(`${w.base}/${id}/download`);
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe('export_expired');
    expect(await t.server.exports.service.expireDue()).toBeGreaterThanOrEqual(1);
    expect(await zips.has(zip)).toBe(false);
    const listed = await w.owner.client.get<ExportResponse>(`${w.base}/${id}`);
    expect(listed.body.export.state).toBe('expired');
    const actions = t.server.services.audit
      .list({ workspaceId: w.owner.workspaceId })
      .map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'export.requested',
        'export.completed',
        'export.downloaded',
        'export.expired',
      ]),
    );
  });

  it('keep the zip apart from attachments: not a file of the workspace, and the same bytes uploaded survive its expiry', async () => {
    const w = await workspace();
    const id = await readyExport(w.owner.client, w.base);
    const { zipSha256 } = (await t.server.services.control.exportJobs.get(id))!;
    const zip = (await getBytes(t.server, w.owner.client, `${w.base}/${id}/download`)).bytes;
    const files = `/api/workspaces/${w.owner.slug}/blobs`;
    // Not reachable as an attachment, not counted among the workspace's files.
    expect((await getBytes(t.server, w.owner.client, `${files}/${zipSha256}`)).status).toBe(404);
    expect(await t.server.services.control.exportJobs.workspaceBlobs(w.owner.workspaceId)).toEqual(
      [],
    );
    // Its bytes uploaded as an attachment (an export sent along with a ticket)…
    const uploaded = await fetch(`${t.server.url}${files}`, {
      method: 'POST',
      headers: {
        origin: w.owner.client.origin,
        cookie: `${SESSION_COOKIE}=${w.owner.client.sessionToken}`,
        'x-file-name': 'export.zip',
        'content-type': 'application/octet-stream',
      },
      body: new Uint8Array(zip),
    });
    expect(uploaded.status).toBe(201);
    expect(((await uploaded.json()) as { sha256: string }).sha256).toBe(zipSha256);
    // …stay an attachment when the export expires and its zip is deleted.
    t.clock.advance(25 * HOUR);
    expect(await t.server.exports.service.expireDue()).toBeGreaterThanOrEqual(1);
    expect(await t.server.exports.service.zips.has(zipSha256!)).toBe(false);
    const attachment = await getBytes(t.server, w.owner.client, `${files}/${zipSha256}`);
    expect(attachment.status).toBe(200);
    expect(attachment.bytes.equals(zip)).toBe(true);
  });

  it('still serve an export finished before zips were stored (no zipSha256) from its file', async () => {
    const w = await workspace();
    const id = await readyExport(w.owner.client, w.base);
    const { service } = t.server.exports;
    const bytes = await exportZipBytes(t.server, id);
    // As a ready row of migration 26 left it: no address, the zip at DATA_DIR/exports/<id>.zip.
    t.server.ctx.db.prepare('UPDATE workspace_exports SET zip_sha256 = NULL WHERE id = ?').run(id);
    fs.writeFileSync(service.files.zip(id), bytes);
    const old = await getBytes(t.server, w.owner.client, `${w.base}/${id}/download`);
    expect(old.status).toBe(200);
    expect(old.headers.get('content-length')).toBe(String(bytes.length));
    expect(old.bytes.equals(bytes)).toBe(true);
    t.clock.advance(25 * HOUR);
    await service.expireDue();
    expect(fs.existsSync(service.files.zip(id))).toBe(false);
  });

  it('publish the format’s JSON Schema to anyone', async () => {
    const res = await t
      .client()
      .get<{ $id: string; properties: Record<string, unknown> }>(
        '/api/export-format/v1/schema.json',
      );
    expect(res.status).toBe(200);
    expect(res.body.$id).toBe('desk-workspace-export/v1');
    expect(Object.keys(res.body.properties).sort()).toEqual(
      [
        'audit.json',
        'channels.json',
        'manifest.json',
        'members.json',
        'notices.json',
        'tickets.json',
      ].sort(),
    );
  });
});
