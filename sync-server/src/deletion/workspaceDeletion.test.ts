import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { CloseCode, DocErrorCode, ErrorCode, MessageType } from '@desk/protocol';
import { docIds } from '@desk/model';
import { until } from '@desk/protocol/testing';
import { readOutbox } from '../../../test/support/outbox.ts';
import { TestSyncClient } from '../../../test/support/sync/TestSyncClient.ts';
import { createBackup } from '../backup/DatabaseBackup.ts';
import { WorkspaceClosedError } from '../store/DocStore.ts';
import { EXPORT_CANCELLED_BY_DELETION } from '../exports/ExportService.ts';
import { DAY_MS } from '../billing/SubscriptionState.ts';
import { SESSION_COOKIE } from '../identity/sessionCookie.ts';
import {
  signUp,
  startAuthTestServer,
  STRONG_PASSWORD,
  TEST_PUBLIC_URL,
  type AuthTestServer,
  type TestClient,
} from '../testing/authTestServer.ts';
import { createTicket } from '../testing/snapshotTestSupport.ts';
import { addMember, invite, loginOperator } from '../testing/workspaceTestSupport.ts';

/**
 * The deletion timeline of issue 16 on a fake clock: asked → closed at once → cancelled
 * within 7 days restores → not cancelled → purged after 7 days (tables, blob files and a
 * later backup hold nothing of it) → a terminated subscription purged 30 days after
 * termination, with the owner warned 7 days and 1 day before. Every step is in the audit log.
 */
let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());

let n = 0;
/** A string only this workspace's content holds: found in no file once it is purged. */
const marker = () => `zq${Date.now().toString(36)}x${++n}purgemark`;

/** A real ticket (index row + ticket doc) titled `text`; waits until search has it. */
async function writeTicket(
  owner: { slug: string; workspaceId: string; client: TestClient },
  text: string,
): Promise<string> {
  const id = `t${++n}`;
  await createTicket(t.server.sync, owner.workspaceId, id, text, n);
  await until(
    async () => {
      const res = await owner.client.get<{ hits: { ticketId: string }[] }>(
        `/api/workspaces/${owner.slug}/search?q=${encodeURIComponent(text)}`,
      );
      return res.body.hits.some((hit) => hit.ticketId === id);
    },
    'the ticket in the server search index',
    40_000,
  );
  return docIds.ticket(owner.workspaceId, id);
}

async function upload(client: TestClient, slug: string, text: string): Promise<string> {
  const res = await fetch(`${client.baseUrl}/api/workspaces/${slug}/blobs`, {
    method: 'POST',
    headers: {
      origin: client.origin,
      cookie: `${SESSION_COOKIE}=${client.sessionToken}`,
      'content-type': 'text/plain',
      'x-file-name': encodeURIComponent('notes.txt'),
    },
    body: new TextEncoder().encode(`${text} attached`),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { sha256: string }).sha256;
}

/** A workspace with a bit of everything: member, tickets, attachment, snapshot, invitation. */
async function populatedWorkspace() {
  const owner = await signUp(t);
  const secret = marker();
  const agent = await addMember(t, owner.client, owner.slug, `agent${++n}@example.com`);
  const ticket = await writeTicket(owner, secret);
  await t.server.sync.flush();
  const sha256 = await upload(owner.client, owner.slug, secret);
  const snapshot = await owner.client.post(`/api/workspaces/${owner.slug}/snapshots`, {
    label: secret,
  });
  expect(snapshot.status, JSON.stringify(snapshot.body)).toBe(201);
  const invitation = await invite(t, owner.client, owner.slug, `invitee${++n}@example.com`);
  return { owner, agent, secret, ticket, sha256, invitation };
}

function requestDeletion(client: TestClient, slug: string, password = STRONG_PASSWORD) {
  return client.request('POST', `/api/workspaces/${slug}/deletion`, { body: { password } });
}

function blobPath(sha256: string): string {
  return path.join(t.server.ctx.config.DATA_DIR, 'blobs', sha256.slice(0, 2), sha256);
}

function auditActions(workspaceId: string): string[] {
  return t.server.services.audit
    .list({ workspaceId, limit: 500 })
    .map((e) => e.action)
    .reverse();
}

/** One sweep, as far as `workspaceId` is concerned (other tests' workspaces are scheduled too). */
async function sweepFor(workspaceId: string) {
  const { warned, purged } = await t.server.deletion.sweeper.sweep();
  return {
    warned: warned.filter((w) => w.workspaceId === workspaceId),
    purged: purged.filter((p) => p.workspaceId === workspaceId),
  };
}

function containsBytes(file: string, text: string): boolean {
  return fs.readFileSync(file).includes(Buffer.from(text, 'utf8'));
}

describe('workspace deletion, asked by the owner', () => {
  it('DELETE-1 is refused without the right password, to other roles, and to access tokens', async () => {
    const { owner, agent } = await populatedWorkspace();
    const wrong = await requestDeletion(owner.client, owner.slug, 'not my password at all');
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatchObject({ error: { code: ErrorCode.invalidCredentials } });
    expect((await requestDeletion(agent.client, owner.slug)).status).toBe(403);
    const stranger = await signUp(t);
    expect((await requestDeletion(stranger.client, owner.slug)).status).toBe(404);
    const token = await owner.client.post<{ token: string }>('/api/auth/tokens', {
      name: 'script',
      workspaceId: owner.workspaceId,
    });
    const byToken = await t.client().request('POST', `/api/workspaces/${owner.slug}/deletion`, {
      body: { password: STRONG_PASSWORD },
      bearer: token.body.token,
    });
    expect(byToken.status).toBe(403);
    expect((await owner.client.get(`/api/workspaces/${owner.slug}`)).status).toBe(200);
  });

  it('DELETE-1 DELETE-2 closes the workspace at once: REST answers 410, live subscriptions end, the owner can cancel and gets it back', async () => {
    const { owner, agent, secret, ticket, invitation } = await populatedWorkspace();
    const socket = await TestSyncClient.connect(t.server.url, {
      cookie: `${SESSION_COOKIE}=${agent.client.sessionToken ?? ''}`,
      origin: TEST_PUBLIC_URL,
    });
    try {
      socket.subscribe(ticket);
      await socket.synced(ticket);

      const asked = await requestDeletion(owner.client, owner.slug);
      expect(asked.status, JSON.stringify(asked.body)).toBe(202);
      expect(asked.body).toMatchObject({
        pending: true,
        reason: 'owner_request',
        requestedAt: t.clock.now,
        purgeAfter: t.clock.now + 7 * DAY_MS,
        canCancel: true,
      });

      // The agent's live subscription ends with the typed reason (its device forgets).
      const refused = await socket.waitFor(
        (m) => m.type === MessageType.docError && m.docId === ticket,
      );
      expect(refused).toMatchObject({ code: DocErrorCode.workspaceDeleted });
      // A new subscription is refused the same way.
      const index = docIds.index(owner.workspaceId);
      const from = socket.messages.length;
      socket.subscribe(index);
      expect(
        await socket.waitFor((m) => m.type === MessageType.docError && m.docId === index, from),
      ).toMatchObject({ code: DocErrorCode.workspaceDeleted });

      // Every route of the workspace answers 410 to its members, the owner included.
      for (const client of [owner.client, agent.client]) {
        for (const route of ['', '/seats', '/audit', '/usage']) {
          const res = await client.get(`/api/workspaces/${owner.slug}${route}`);
          expect(res.status, route).toBe(410);
          expect(res.body).toMatchObject({ error: { code: ErrorCode.workspaceDeleted } });
          // 410 is cacheable by default: a cached one would outlive a cancelled deletion.
          expect(res.headers.get('cache-control')).toBe('no-store');
        }
      }
      // Non-members learn nothing: 404, as for a workspace that does not exist.
      const stranger = await signUp(t);
      expect((await stranger.client.get(`/api/workspaces/${owner.slug}`)).status).toBe(404);
      expect((await stranger.client.get(`/api/workspaces/${owner.slug}/deletion`)).status).toBe(
        404,
      );

      // Nobody joins a closed workspace: its invitations are refused.
      for (const route of ['/api/invitations/lookup', '/api/invitations/accept']) {
        const res = await t.client().post(route, {
          token: invitation.token,
          displayName: 'Late Joiner',
          password: STRONG_PASSWORD,
          acceptTerms: true,
        });
        expect(res.status, route).toBe(410);
        expect(res.body).toMatchObject({ error: { code: ErrorCode.workspaceDeleted } });
      }

      // Members see where the deletion stands; only the owner may cancel.
      const seen = await agent.client.get(`/api/workspaces/${owner.slug}/deletion`);
      expect(seen.body).toMatchObject({ pending: true, canCancel: false });
      expect(
        (await agent.client.request('DELETE', `/api/workspaces/${owner.slug}/deletion`)).status,
      ).toBe(403);
      await until(
        () =>
          readOutbox(t.server.ctx.config.DATA_DIR, owner.email).some((m) =>
            m.subject.endsWith('will be deleted'),
          ),
        'the confirmation mail',
      );

      // Six days later the owner cancels: everything is back.
      t.clock.advance(6 * DAY_MS);
      expect((await sweepFor(owner.workspaceId)).purged).toEqual([]);
      const cancelled = await owner.client.request(
        'DELETE',
        `/api/workspaces/${owner.slug}/deletion`,
      );
      expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
      expect(cancelled.body).toMatchObject({ pending: false, purgeAfter: null });
      expect((await agent.client.get(`/api/workspaces/${owner.slug}`)).status).toBe(200);
      const lookup = await t.client().post('/api/invitations/lookup', { token: invitation.token });
      expect(lookup.status, JSON.stringify(lookup.body)).toBe(200);
      const doc = new Y.Doc();
      Y.applyUpdate(doc, await t.server.sync.readDocState(ticket));
      expect(JSON.stringify(doc.getMap('comments').toJSON())).toContain(secret);
      t.clock.advance(2 * DAY_MS);
      expect((await sweepFor(owner.workspaceId)).purged).toEqual([]);
      expect(auditActions(owner.workspaceId)).toEqual(
        expect.arrayContaining(['workspace.deletion_requested', 'workspace.deletion_cancelled']),
      );
    } finally {
      socket.ws.terminate();
    }
  });

  it('DELETE-1 closes a live /yjs socket of the workspace with 4404 and the reason workspace_deleted, and refuses a new one', async () => {
    const { owner, agent, ticket } = await populatedWorkspace();
    const open = () =>
      new WebSocket(new URL(`/yjs/${ticket}`, t.server.url.replace(/^http/, 'ws')), {
        origin: TEST_PUBLIC_URL,
        headers: { cookie: `${SESSION_COOKIE}=${agent.client.sessionToken ?? ''}` },
      });
    const closed = (ws: WebSocket) =>
      new Promise<{ code: number; reason: string }>((resolve) =>
        ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
      );
    const live = open();
    try {
      const ended = closed(live);
      await new Promise((resolve) => live.once('message', resolve));
      expect((await requestDeletion(owner.client, owner.slug)).status).toBe(202);
      expect(await ended).toEqual({
        code: CloseCode.docRefused,
        reason: DocErrorCode.workspaceDeleted,
      });
      const again = open();
      expect(await closed(again)).toEqual({
        code: CloseCode.docRefused,
        reason: DocErrorCode.workspaceDeleted,
      });
    } finally {
      live.terminate();
    }
  });

  it('DELETE-3 purges everything of the workspace 7 days later: rows, blob files, and later backups', async () => {
    const { owner, secret, sha256 } = await populatedWorkspace();
    // Another workspace with the same attachment keeps the file.
    const other = await signUp(t);
    const shared = marker();
    const sharedSha = await upload(owner.client, owner.slug, shared);
    expect(await upload(other.client, other.slug, shared)).toBe(sharedSha);
    expect(fs.existsSync(blobPath(sha256))).toBe(true);
    // A finished export: its zip is in the server's zip storage (DATA_DIR/exports/zips).
    const started = await owner.client.post<{ export: { id: string } }>(
      `/api/workspaces/${owner.slug}/exports`,
    );
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    await t.server.exports.service.idle();
    const { zips } = t.server.exports.service;
    const exportZip = (await t.server.services.control.exportJobs.get(started.body.export.id))!
      .zipSha256!;
    expect(await zips.has(exportZip)).toBe(true);
    // Content deleted in normal use before the purge — a document's updates, once compacted
    // into a state without that text — leaves its bytes in the free space of pages it shared
    // with another workspace's rows: the purge frees no such page, SQLite reuses the space
    // only some day. No backup made after the purge may hold them.
    const deletedEarlier = marker();
    const noticeId = docIds.notice(owner.workspaceId, 'compacted');
    const draft = new Y.Doc();
    const theirs = new Y.Doc();
    const updates = [];
    for (let i = 0; i < 40; i += 1) {
      const before = Y.encodeStateVector(draft);
      draft.getText('body').insert(0, `${deletedEarlier} `);
      updates.push({
        docId: noticeId,
        workspaceId: owner.workspaceId,
        update: Y.encodeStateAsUpdate(draft, before),
      });
      theirs.getText('body').insert(0, 'kept ');
      updates.push({
        docId: docIds.notice(other.workspaceId, 'kept'),
        workspaceId: other.workspaceId,
        update: Y.encodeStateAsUpdate(theirs),
      });
    }
    const logged = t.server.sync.store.append(updates);
    draft.getText('body').delete(0, draft.getText('body').length);
    t.server.sync.store.compact(noticeId, Y.encodeStateAsUpdate(draft), logged.at(-2)!.logId);
    // A backup made before holds the workspace's content (so the check below can fail).
    const backupsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-purge-backup-'));
    const backup = () =>
      createBackup({
        db: t.server.ctx.db,
        backupsDir,
        blobsDir: path.join(t.server.ctx.config.DATA_DIR, 'blobs'),
        now: t.clock.now,
        keep: 1,
      });
    const before = await backup();
    expect(containsBytes(path.join(backupsDir, before.file), secret)).toBe(true);

    expect((await requestDeletion(owner.client, owner.slug)).status).toBe(202);
    // One day before, the owner is reminded that it can still be cancelled.
    t.clock.advance(6 * DAY_MS + 60_000);
    expect((await sweepFor(owner.workspaceId)).warned).toEqual([
      { workspaceId: owner.workspaceId, daysBefore: 1 },
    ]);
    expect((await sweepFor(owner.workspaceId)).warned).toEqual([]);

    t.clock.advance(DAY_MS);
    const { purged } = await sweepFor(owner.workspaceId);
    expect(purged.map((p) => p.workspaceId)).toEqual([owner.workspaceId]);

    // No table holds a row of it (every table with a workspace_id column, documents too).
    expect(await holding(owner.workspaceId)).toEqual([]);
    expect(fs.existsSync(blobPath(sha256))).toBe(false);
    expect(fs.existsSync(blobPath(sharedSha))).toBe(true);
    expect(await zips.has(exportZip)).toBe(false);
    expect(t.server.sync.store.load(docIds.index(owner.workspaceId))).toBeNull();
    // A write still on its way when the purge began (here a server update; on a cluster, a
    // client's edit another process stores before it hears of the deletion) is refused by
    // the store, and recreates nothing.
    const late = new Y.Doc();
    late.getText('t').insert(0, 'after the purge');
    await expect(
      t.server.sync.applyServerUpdate(docIds.index(owner.workspaceId), Y.encodeStateAsUpdate(late)),
    ).rejects.toBeInstanceOf(WorkspaceClosedError);
    expect(t.server.sync.store.load(docIds.index(owner.workspaceId))).toBeNull();
    expect(await holding(owner.workspaceId)).toEqual([]);
    // A backup made now holds none of its bytes, not even those deleted before the purge
    // (the live file may, in free space, until SQLite reuses it: backups are compacted).
    const manifest = await backup();
    expect(containsBytes(path.join(backupsDir, manifest.file), secret)).toBe(false);
    expect(containsBytes(path.join(backupsDir, manifest.file), deletedEarlier)).toBe(false);
    expect(containsBytes(path.join(backupsDir, manifest.file), other.workspaceId)).toBe(true);
    // Rotation dropped the older backup; the mirrored attachment went with it.
    expect(fs.existsSync(path.join(backupsDir, before.file))).toBe(false);
    expect(fs.readdirSync(backupsDir, { recursive: true }).map(String)).not.toContainEqual(
      expect.stringContaining(sha256),
    );
    fs.rmSync(backupsDir, { recursive: true, force: true });

    // What is left: the operator's record and the deletion's own audit entries.
    expect(auditActions(owner.workspaceId)).toEqual([
      'workspace.deletion_requested',
      'workspace.deletion_warning_sent',
      'workspace.deletion_purged',
    ]);
    expect(
      t.server.ctx.db
        .prepare('SELECT reason FROM purged_workspaces WHERE workspace_id = ?')
        .pluck()
        .get(owner.workspaceId),
    ).toBe('owner_request');
    expect((await owner.client.get(`/api/workspaces/${owner.slug}`)).status).toBe(404);
    await until(
      () =>
        readOutbox(t.server.ctx.config.DATA_DIR, owner.email).some((m) =>
          m.subject.endsWith('was deleted'),
        ),
      'the purge mail',
    );
  });
});

describe('the operator console', () => {
  it('lists pending deletions with name and purge date, purged ones with ids and dates only', async () => {
    const { owner, secret } = await populatedWorkspace();
    const operator = await loginOperator(t);
    const workspace = t.server.services.workspaces.byId(owner.workspaceId)!;
    expect((await requestDeletion(owner.client, owner.slug)).status).toBe(202);
    const list = () =>
      operator.client.get<{
        pending: { workspaceId: string }[];
        purged: { workspaceId: string }[];
      }>('/api/operator/deletions');
    const before = await list();
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    expect(before.body.pending.find((p) => p.workspaceId === owner.workspaceId)).toEqual({
      workspaceId: owner.workspaceId,
      slug: owner.slug,
      name: workspace.name,
      reason: 'owner_request',
      requestedAt: t.clock.now,
      purgeAfter: t.clock.now + 7 * DAY_MS,
    });
    expect((await owner.client.get('/api/operator/deletions')).status).toBe(403);

    await t.server.deletion.workspaceDeletion.purge(
      owner.workspaceId,
      'owner_request',
      t.clock.now,
    );
    const after = await list();
    expect(after.body.pending.map((p) => p.workspaceId)).not.toContain(owner.workspaceId);
    const record = after.body.purged.find((p) => p.workspaceId === owner.workspaceId);
    expect(Object.keys(record ?? {}).sort()).toEqual([
      'customerId',
      'purgedAt',
      'reason',
      'requestedAt',
      'workspaceId',
    ]);
    const text = JSON.stringify(after.body.purged);
    for (const content of [workspace.name, owner.slug, secret]) expect(text).not.toContain(content);
    expect(JSON.stringify(after.body)).not.toContain(owner.slug);
  });
});

describe('a subscription terminated for non-payment', () => {
  it('DELETE-4 is purged once its 30-day grace ends, the owner warned 7 days and 1 day before', async () => {
    const { owner, secret } = await populatedWorkspace();
    const operator = await loginOperator(t);
    const terminated = await operator.client.post(
      `/api/operator/workspaces/${owner.workspaceId}/state`,
      { state: 'terminated', note: 'unpaid' },
    );
    expect(terminated.status, JSON.stringify(terminated.body)).toBe(200);
    const terminatedAt = t.clock.now;
    // Read-only, not closed, during the grace period.
    expect((await owner.client.get(`/api/workspaces/${owner.slug}`)).status).toBe(200);
    const warnings = () =>
      readOutbox(t.server.ctx.config.DATA_DIR, owner.email)
        .map((m) => m.subject)
        .filter((s) => / will be deleted (in 7 days|tomorrow)$/.test(s));

    t.clock.advance(22 * DAY_MS);
    expect((await sweepFor(owner.workspaceId)).warned).toEqual([]);
    t.clock.advance(DAY_MS + 60_000);
    expect((await sweepFor(owner.workspaceId)).warned).toEqual([
      { workspaceId: owner.workspaceId, daysBefore: 7 },
    ]);
    t.clock.advance(6 * DAY_MS);
    expect((await sweepFor(owner.workspaceId)).warned).toEqual([
      { workspaceId: owner.workspaceId, daysBefore: 1 },
    ]);
    await until(() => warnings().length === 2, 'both warnings in the outbox');
    expect(warnings()).toEqual([
      expect.stringMatching(/tomorrow$/),
      expect.stringMatching(/in 7 days$/),
    ]);
    expect(await holding(owner.workspaceId)).not.toEqual([]);

    t.clock.now = terminatedAt + 30 * DAY_MS;
    const { purged } = await sweepFor(owner.workspaceId);
    expect(purged.map((p) => p.workspaceId)).toEqual([owner.workspaceId]);
    expect(await holding(owner.workspaceId)).toEqual([]);
    expect(containsBytes(path.join(t.server.ctx.config.DATA_DIR, 'desk.sqlite'), secret)).toBe(
      false,
    );
    expect(
      t.server.ctx.db
        .prepare('SELECT reason FROM purged_workspaces WHERE workspace_id = ?')
        .pluck()
        .get(owner.workspaceId),
    ).toBe('subscription_terminated');
    expect(auditActions(owner.workspaceId)).toEqual([
      'workspace.deletion_warning_sent',
      'workspace.deletion_warning_sent',
      'workspace.deletion_purged',
    ]);
  });
});

/**
 * Holds the export being built before its first document (an injected pause in the worker
 * call every document goes through) until `release()`.
 */
function pauseExports() {
  const heavy = t.server.ctx.offThread;
  const original = heavy.run.bind(heavy);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reached!: () => void;
  const paused = new Promise<void>((resolve) => (reached = resolve));
  const spy = vi.spyOn(heavy, 'run').mockImplementation(async (...args) => {
    if (args[0] === 'exportDoc') {
      reached();
      await gate;
    }
    return original(...args);
  });
  return {
    paused,
    release: () => {
      release();
      spy.mockRestore();
    },
  };
}

async function startExport(client: TestClient, slug: string): Promise<string> {
  const started = await client.post<{ export: { id: string } }>(`/api/workspaces/${slug}/exports`);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return started.body.export.id;
}

function exportFiles(exportId: string): string[] {
  const root = path.join(t.server.ctx.config.DATA_DIR, 'exports');
  return fs.existsSync(root) ? fs.readdirSync(root).filter((f) => f.startsWith(exportId)) : [];
}

describe('an export running when the workspace is deleted', () => {
  it('DELETE-5 is cancelled when the deletion is asked, writes no zip, and no job resumes after a restart', async () => {
    const { owner } = await populatedWorkspace();
    const pause = pauseExports();
    let exportId: string;
    try {
      exportId = await startExport(owner.client, owner.slug);
      await pause.paused;
      expect((await t.server.exports.service.get(owner.workspaceId, exportId)).state).toBe(
        'running',
      );
      expect((await requestDeletion(owner.client, owner.slug)).status).toBe(202);
    } finally {
      pause.release();
    }
    await t.server.exports.service.idle();
    const row = await t.server.exports.service.get(owner.workspaceId, exportId);
    expect(row).toMatchObject({ state: 'failed', error: EXPORT_CANCELLED_BY_DELETION });
    expect(exportFiles(exportId)).toEqual([]);
    expect(auditActions(owner.workspaceId)).toContain('export.cancelled');
    // No new one starts while the workspace is pending deletion (REST is closed too).
    await expect(t.server.exports.service.request(owner.workspaceId, owner.userId)).rejects.toThrow(
      /being deleted/,
    );
    // A restart resumes nothing of it.
    expect(await t.server.exports.service.resume()).toBe(0);

    t.clock.advance(7 * DAY_MS + 60_000);
    expect((await sweepFor(owner.workspaceId)).purged).toHaveLength(1);
    expect(exportFiles(exportId)).toEqual([]);
    expect(await t.server.services.control.exportJobs.unfinished()).toEqual([]);
  });

  it('DELETE-5 is stopped by a purge that waits for it before deleting the export files', async () => {
    const { owner } = await populatedWorkspace();
    const pause = pauseExports();
    let exportId: string;
    let purging: Promise<unknown>;
    try {
      exportId = await startExport(owner.client, owner.slug);
      await pause.paused;
      // As for a terminated subscription: purged with no pending deletion before it.
      purging = t.server.deletion.workspaceDeletion.purge(
        owner.workspaceId,
        'subscription_terminated',
        t.clock.now,
      );
    } finally {
      pause.release();
    }
    await purging;
    await t.server.exports.service.idle();
    expect(await holding(owner.workspaceId)).toEqual([]);
    expect(exportFiles(exportId)).toEqual([]);
    expect(await t.server.services.control.exportJobs.get(exportId)).toBeNull();
    expect(await t.server.exports.service.resume()).toBe(0);
  });
});

/** Tables still holding a row of the workspace (see WorkspacePurgeStore.tablesHolding). */
function holding(workspaceId: string): Promise<string[]> {
  return t.server.deletion.workspaceDeletion.tablesHolding(workspaceId);
}
