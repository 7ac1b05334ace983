import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import * as Y from 'yjs';
import type { ExportListResponse, ExportResponse, ImportWorkspaceResponse } from '@desk/protocol';
import { ArchiveFiles, ArchiveManifest, ArchiveTicket } from '@desk/protocol/rest';
import { signUp, startAuthTestServer, type AuthTestServer } from '../testing/authTestServer.ts';
import {
  getBytes,
  getJson,
  postBytes,
  postJson,
  seedRealisticWorkspace,
  type SeededWorkspace,
  unzip,
} from '../testing/exportTestSupport.ts';
import type { SyncEngine } from '../sync/SyncEngine.ts';

let t: AuthTestServer;
let owner: Awaited<ReturnType<typeof signUp>>;
let seeded: SeededWorkspace;
let zip: Buffer;
let imported: ImportWorkspaceResponse;
let entries: Map<string, Buffer>;

const TICKETS = 1_000;
const ATTACHMENTS = 12;

/** The stored document as one Y.Doc (merged state and log, as the sync engine loads it). */
function loadDoc(sync: SyncEngine, docId: string): Y.Doc {
  const stored = sync.store.load(docId);
  const doc = new Y.Doc();
  if (stored)
    for (const part of stored.state ? [stored.state, ...stored.log] : stored.log)
      Y.applyUpdate(doc, part);
  return doc;
}

beforeAll(async () => {
  t = await startAuthTestServer({ SNAPSHOT_INTERVAL_MINUTES: '0', BACKUP_INTERVAL_HOURS: '0' });
  owner = await signUp(t);
  seeded = await seedRealisticWorkspace(t.server, owner, {
    tickets: TICKETS,
    attachments: ATTACHMENTS,
  });
  const base = `/api/workspaces/${owner.slug}/exports`;
  const started = await postJson<ExportResponse>(t.server, owner.client, base);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  await t.server.exports.service.idle();
  const list = await getJson<ExportListResponse>(t.server, owner.client, base);
  const ready = list.body.exports[0]!;
  expect(ready).toMatchObject({ state: 'ready', downloadable: true });
  expect(ready.progress.done).toBe(ready.progress.total);
  const download = await getBytes(t.server, owner.client, `${base}/${ready.id}/download`);
  expect(download.status).toBe(200);
  expect(download.headers.get('content-type')).toBe('application/zip');
  zip = download.bytes;
  entries = await unzip(zip);
  const res = await postBytes<ImportWorkspaceResponse>(
    t.server,
    owner.client,
    '/api/workspace-imports?name=Restored%20desk&slug=restored-desk',
    zip,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  imported = res.body;
}, 240_000);
afterAll(() => t.close());

describe('workspace export → import round trip (1,000 tickets with attachments)', () => {
  it('restores every document with an identical state (state vectors and encoded content)', () => {
    const from = owner.workspaceId;
    const to = imported.workspace.id;
    const docs = t.server.sync.store
      .changedSince(from, 0)
      .map((d) => d.docId.slice(from.length + 1));
    const exported = docs.filter((name) => !name.startsWith('user:'));
    expect(exported.length).toBeGreaterThan(TICKETS);
    expect(imported.docs).toBe(exported.length);
    const restored = new Set(
      t.server.sync.store.changedSince(to, 0).map((d) => d.docId.slice(to.length + 1)),
    );
    expect(restored).toEqual(new Set(exported));
    for (const name of exported) {
      const a = loadDoc(t.server.sync, `${from}:${name}`);
      const b = loadDoc(t.server.sync, `${to}:${name}`);
      expect(
        Buffer.from(Y.encodeStateVector(b)).equals(Buffer.from(Y.encodeStateVector(a))),
        name,
      ).toBe(true);
      expect(
        Buffer.from(Y.encodeStateAsUpdate(b)).equals(Buffer.from(Y.encodeStateAsUpdate(a))),
        name,
      ).toBe(true);
      a.destroy();
      b.destroy();
    }
  });

  it('restores every attachment byte for byte into the new workspace', async () => {
    expect(imported.attachments).toBe(ATTACHMENTS);
    for (const [sha256, bytes] of seeded.files) {
      const res = await getBytes(
        t.server,
        owner.client,
        `/api/workspaces/${imported.workspace.slug}/blobs/${sha256}`,
      );
      expect(res.status).toBe(200);
      expect(res.bytes.equals(bytes)).toBe(true);
      expect(entries.get(`attachments/${sha256}`)?.equals(bytes)).toBe(true);
    }
  });

  it('leaves out members’ private documents (read markers, personal views)', () => {
    const manifest = ArchiveManifest.parse(JSON.parse(entries.get('manifest.json')!.toString()));
    expect(manifest.documents.some((d) => d.name.startsWith('user:'))).toBe(false);
    expect(t.server.sync.store.load(`${imported.workspace.id}:user:${owner.userId}`)).toBeNull();
  });

  it('holds every ticket with its fields, description three ways, comments and notes, and a CSV', () => {
    const tickets = ArchiveTicket.array().parse(
      JSON.parse(entries.get('tickets.json')!.toString()),
    );
    expect(tickets).toHaveLength(TICKETS);
    expect(new Set(tickets.map((tk) => tk.location))).toEqual(new Set(['hot']));
    const first = tickets[0]!;
    expect(first.number).toBe(1);
    expect(first.description.text.length).toBeGreaterThan(700);
    expect(first.description.html).toMatch(/^<p>/);
    expect(first.description.json).toMatchObject({ type: 'doc' });
    expect(first.comments.map((c) => c.kind).sort()).toEqual(['note', 'reply', 'reply']);
    expect(first.attachments).toHaveLength(1);
    expect(first.yjsFile && entries.has(first.yjsFile)).toBe(true);
    const csv = entries.get('tickets.csv')!.toString();
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(TICKETS + 1);
    expect(csv.startsWith('"id","number","title"')).toBe(true);
  });

  it('holds notices, channel messages with their text and link cards, members, the audit log and the JSON Schema', () => {
    const notices = JSON.parse(entries.get('notices.json')!.toString()) as {
      body: { text: string };
    }[];
    expect(notices[0]?.body.text).toContain('closed on Friday');
    const channels = JSON.parse(entries.get('channels.json')!.toString()) as {
      messages: { body: string; links: { provider: string }[] }[];
    }[];
    const messages = channels[0]!.messages;
    expect(messages.map((m) => m.body)).toContain('Internal only: the VPN key rotates tonight.');
    expect(messages.flatMap((m) => m.links.map((l) => l.provider))).toEqual(['google_drive']);
    const members = JSON.parse(entries.get('members.json')!.toString()) as {
      userId: string;
      role: string;
    }[];
    expect(members).toContainEqual(
      expect.objectContaining({ userId: owner.userId, role: 'owner' }),
    );
    const audit = JSON.parse(entries.get('audit.json')!.toString()) as { action: string }[];
    expect(audit.map((a) => a.action)).toContain('export.requested');
    const schema = JSON.parse(entries.get('schema.json')!.toString()) as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(schema.properties)).toContain('tickets.json');
  });

  it('holds only JSON files its published JSON Schema describes, each valid against the schema it is generated from', () => {
    const jsonFiles = [...entries.keys()].filter((n) => n.endsWith('.json') && n !== 'schema.json');
    const schema = JSON.parse(entries.get('schema.json')!.toString()) as {
      properties: Record<string, unknown>;
    };
    expect(new Set(jsonFiles)).toEqual(new Set(Object.keys(schema.properties)));
    for (const name of jsonFiles) {
      const parsed = ArchiveFiles[name as keyof typeof ArchiveFiles].safeParse(
        JSON.parse(entries.get(name)!.toString()),
      );
      expect(parsed.success, `${name}: ${parsed.error?.message ?? ''}`).toBe(true);
    }
  });

  it('makes the imported tickets findable by the server’s search', async () => {
    const tickets = ArchiveTicket.array().parse(
      JSON.parse(entries.get('tickets.json')!.toString()),
    );
    const wanted = tickets[0]!;
    await t.server.services.searchProjector.catchUp();
    const q = encodeURIComponent(wanted.title.split(' ').slice(0, 3).join(' '));
    const res = await getJson<{ hits: { ticketId: string }[] }>(
      t.server,
      owner.client,
      `/api/workspaces/${imported.workspace.slug}/search?q=${q}&limit=50`,
    );
    expect(res.status).toBe(200);
    // Words of the realistic seed repeat across tickets: the hits are tickets of the import.
    const ids = new Set(tickets.map((tk) => tk.id));
    expect(res.body.hits.length).toBeGreaterThan(0);
    expect(res.body.hits.every((h) => ids.has(h.ticketId))).toBe(true);
    // Projecting both workspaces' 2,000 ticket docs takes a while on a loaded machine.
  }, 240_000);

  it('records every step in the audit logs of both workspaces', () => {
    const actions = t.server.services.audit
      .list({ workspaceId: owner.workspaceId })
      .map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['export.requested', 'export.completed', 'export.downloaded']),
    );
    const importedActions = t.server.services.audit
      .list({ workspaceId: imported.workspace.id })
      .map((e) => e.action);
    expect(importedActions).toContain('workspace.imported');
  });

  it('refuses a zip that is not an export, and a damaged document, creating nothing', async () => {
    const notZip = await postBytes<{ error: { code: string } }>(
      t.server,
      owner.client,
      '/api/workspace-imports?name=X&slug=not-a-zip',
      Buffer.from('hello'),
    );
    expect(notZip.status).toBe(422);
    expect(notZip.body.error.code).toBe('import_invalid');
    expect(t.server.services.workspaces.bySlug('not-a-zip')).toBeNull();

    // The same export with one document's bytes changed: its checksum no longer matches.
    const damaged = new yazl.ZipFile();
    for (const [name, bytes] of entries) {
      const broken = name === 'yjs/index.bin' ? Buffer.concat([bytes, Buffer.from([0])]) : bytes;
      damaged.addBuffer(broken, name);
    }
    damaged.end();
    const chunks: Buffer[] = [];
    for await (const chunk of damaged.outputStream) chunks.push(chunk as Buffer);
    const refused = await postBytes<{ error: { code: string; message: string } }>(
      t.server,
      owner.client,
      '/api/workspace-imports?name=X&slug=damaged-copy',
      Buffer.concat(chunks),
    );
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toMatch(/index is damaged/);
    expect(t.server.services.workspaces.bySlug('damaged-copy')).toBeNull();
  });
});

describe('an export interrupted by a restart', () => {
  it('resumes from the documents it had finished and completes', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-export-restart-'));
    const env = { DATA_DIR: dataDir, SNAPSHOT_INTERVAL_MINUTES: '0', BACKUP_INTERVAL_HOURS: '0' };
    const first = await startAuthTestServer(env);
    const o = await signUp(first);
    await seedRealisticWorkspace(first.server, o, { tickets: 400, attachments: 2 });
    const started = await postJson<ExportResponse>(
      first.server,
      o.client,
      `/api/workspaces/${o.slug}/exports`,
    );
    const id = started.body.export.id;
    const row = () =>
      first.server.ctx.db.prepare('SELECT state, done, total FROM workspace_exports WHERE id = ?');
    // Wait for the job to be part-way (its progress is written every 100 documents).
    while ((row().get(id) as { done: number }).done < 100)
      await new Promise((r) => setImmediate(r));
    await first.server.stop();
    const second = await startAuthTestServer(env);
    try {
      const before = second.server.ctx.db
        .prepare('SELECT state, done, total FROM workspace_exports WHERE id = ?')
        .get(id) as { state: string; done: number; total: number };
      expect(before.state).toBe('running');
      expect(before.done).toBeGreaterThanOrEqual(100);
      expect(before.done).toBeLessThan(before.total);
      await second.server.exports.service.idle();
      const after = second.server.ctx.db
        .prepare('SELECT state FROM workspace_exports WHERE id = ?')
        .get(id) as {
        state: string;
      };
      expect(after.state).toBe('ready');
      // Only the documents not finished before the restart were read again.
      const reread =
        second.server.ctx.offThread.runs('exportDoc', 'inline') +
        second.server.ctx.offThread.runs('exportDoc', 'worker');
      expect(reread).toBeLessThanOrEqual(before.total - before.done);
      const login = second.client();
      const res = await login.post('/api/auth/login', { email: o.email, password: o.password });
      expect(res.status).toBe(200);
      const download = await getBytes(
        second.server,
        login,
        `/api/workspaces/${o.slug}/exports/${id}/download`,
      );
      expect(download.status).toBe(200);
      const files = await unzip(download.bytes);
      const manifest = ArchiveManifest.parse(JSON.parse(files.get('manifest.json')!.toString()));
      expect(manifest.counts.tickets).toBe(400);
      for (const doc of manifest.documents) expect(files.has(doc.file), doc.file).toBe(true);
    } finally {
      await second.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
