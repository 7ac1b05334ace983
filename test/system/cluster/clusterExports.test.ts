import fs from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ChannelDoc, docIds, WorkspaceIndex } from '@desk/model';
import { DocErrorCode, type ExportListResponse, type ExportResponse } from '@desk/protocol';
import { ArchiveManifest, type ImportWorkspaceResponse } from '@desk/protocol/rest';
import { until } from '@desk/protocol/testing';
import { yjsFileOf } from '../../../sync-server/src/exports/ExportFiles.ts';
import { DocClosedError, WorkspaceClosedError } from '../../../sync-server/src/store/DocStore.ts';
import { signUp, STRONG_PASSWORD } from '../../../sync-server/src/testing/authTestServer.ts';
import {
  getBytes,
  getJson,
  postBytes,
  postJson,
  unzip,
} from '../../../sync-server/src/testing/exportTestSupport.ts';
import { describeWithPostgresAndRedis } from '../../../sync-server/src/testing/scaleOutParts.ts';
import {
  acceptByRegistering,
  invite,
} from '../../../sync-server/src/testing/workspaceTestSupport.ts';
import { clusterProcesses, synced } from './clusterProcesses.ts';

// Exports, imports, workspace purges and account deletions on a cluster (issue 19): two
// createServer processes on one PostgreSQL database and one Redis prefix (clusterProcesses).
// What one process does to documents must see, and reach, what clients wrote on the other.

const AT = 1_764_000_000_000;

await describeWithPostgresAndRedis(
  'exports, imports and deletions across two server processes',
  { ownServer: false },
  () => {
    const world = clusterProcesses();
    afterEach(() => world.close());

    /** Rows of the documents' tables whose doc id starts with `prefix`. */
    const storedRows = async (prefix: string) => {
      const [row] = await world.query<{ docs: number; updates: number; states: number }>(
        `SELECT (SELECT COUNT(*)::int FROM docs WHERE doc_id LIKE $1) AS docs,
                (SELECT COUNT(*)::int FROM doc_updates WHERE doc_id LIKE $1) AS updates,
                (SELECT COUNT(*)::int FROM doc_states WHERE doc_id LIKE $1) AS states`,
        [`${prefix}%`],
      );
      return row!;
    };

    it('an export asked on A holds what a client wrote on B; its zip imported on A is a workspace on PostgreSQL that B serves', async () => {
      const { a, b } = await world.twoServers();
      const owner = await signUp(a);
      const ws = owner.workspaceId;
      const actor = { id: owner.userId, name: 'Ana Owner' };
      // The channel is created in the index by a client on A, its message posted on B.
      const onA = (await world.syncClient(a, owner.client, ws)).open(docIds.index(ws));
      const onB = await world.logIn(b, owner.email);
      const channel = (await world.syncClient(b, onB, ws)).open(docIds.channel(ws, 'ch1'));
      await until(() => synced(onA) && synced(channel), 'both subscribed');
      new WorkspaceIndex(onA.doc).channels.create('ch1', 'general', actor, AT);
      new ChannelDoc(channel.doc).post({ id: 'm1', body: 'Written on B' }, actor, AT + 1);
      await until(() => onA.pending === 0 && channel.pending === 0, 'both edits stored');

      const base = `/api/workspaces/${owner.slug}/exports`;
      const started = await postJson<ExportResponse>(a.server, owner.client, base);
      expect(started.status, JSON.stringify(started.body)).toBe(202);
      await a.server.exports.service.idle();
      const list = await getJson<ExportListResponse>(a.server, owner.client, base);
      const ready = list.body.exports[0]!;
      expect(ready).toMatchObject({ state: 'ready', downloadable: true });
      const download = await getBytes(a.server, owner.client, `${base}/${ready.id}/download`);
      expect(download.status).toBe(200);
      // Built on A, it downloads on B too, byte for byte (its zip is in PostgreSQL).
      const fromB = await getBytes(b.server, onB, `${base}/${ready.id}/download`);
      expect(fromB.status).toBe(200);
      expect(fromB.bytes.equals(download.bytes)).toBe(true);
      const entries = await unzip(download.bytes);
      const manifest = ArchiveManifest.parse(JSON.parse(entries.get('manifest.json')!.toString()));
      expect(manifest.documents.map((d) => d.name).sort()).toEqual(['channel:ch1', 'index']);
      const channels = JSON.parse(entries.get('channels.json')!.toString()) as {
        id: string;
        messages: { body: string }[];
      }[];
      expect(channels).toMatchObject([{ id: 'ch1', messages: [{ body: 'Written on B' }] }]);
      const state = new Y.Doc();
      Y.applyUpdate(state, entries.get(yjsFileOf('channel:ch1'))!);
      expect(new ChannelDoc(state).list().map((m) => m.body)).toEqual(['Written on B']);

      const res = await postBytes<ImportWorkspaceResponse>(
        a.server,
        owner.client,
        '/api/workspace-imports?name=Restored&slug=restored-desk',
        download.bytes,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const to = res.body.workspace.id;
      expect(await storedRows(`${to}:`)).toMatchObject({ docs: 2 });
      // B serves it: a client there syncs the imported channel with its message.
      const importedOnB = (await world.syncClient(b, onB, to)).open(docIds.channel(to, 'ch1'));
      await until(() => synced(importedOnB), 'the imported channel is synced on B');
      expect(new ChannelDoc(importedOnB.doc).list().map((m) => m.body)).toEqual(['Written on B']);
    });

    it('an interrupted export resumed by both processes at once is built once, by one of them', async () => {
      const { a, b } = await world.twoServers();
      const owner = await signUp(a);
      const ws = owner.workspaceId;
      for (let i = 0; i < 20; i++) {
        const doc = new Y.Doc();
        new ChannelDoc(doc).post(
          { id: 'm1', body: `Channel ${i}` },
          { id: owner.userId, name: 'Ana' },
          AT,
        );
        await a.server.sync.applyServerUpdate(
          docIds.channel(ws, `ch${i}`),
          Y.encodeStateAsUpdate(doc),
        );
      }
      // A job a stop left unfinished, as both processes find it when they start.
      const job = await a.server.services.control.exportJobs.create({
        id: `export-${Date.now().toString(36)}`,
        workspaceId: ws,
        requestedBy: owner.userId,
        createdAt: Date.now(),
      });
      const resumed = await Promise.all([
        a.server.exports.service.resume(),
        b.server.exports.service.resume(),
      ]);
      expect(resumed).toEqual([1, 1]);
      await Promise.all([a.server.exports.service.idle(), b.server.exports.service.idle()]);

      const entries = await a.server.services.control.audit.list({ workspaceId: ws });
      const completed = entries.filter(
        (e) => e.action === 'export.completed' && e.targetId === job.id,
      );
      expect(completed).toHaveLength(1);
      expect(await a.server.services.control.exportJobs.get(job.id)).toMatchObject({
        state: 'ready',
      });
      // Its zip is in PostgreSQL, once, whichever process built it: both serve the same bytes.
      const zips = await world.query<{ sha256: string }>(
        `SELECT sha256 FROM blob_contents WHERE space = 'exports'`,
      );
      expect(zips.map((z) => z.sha256)).toEqual([
        (await a.server.services.control.exportJobs.get(job.id))!.zipSha256,
      ]);
      const base = `/api/workspaces/${owner.slug}/exports/${job.id}/download`;
      const [fromA, fromB] = await Promise.all([
        getBytes(a.server, owner.client, base),
        getBytes(b.server, await world.logIn(b, owner.email), base),
      ]);
      expect([fromA.status, fromB.status]).toEqual([200, 200]);
      expect(fromA.bytes.equals(fromB.bytes)).toBe(true);
    });

    it('an export built on B downloads on A byte for byte; expired by A’s sweep, its zip is gone for both', async () => {
      const { a, b } = await world.twoServers();
      const owner = await signUp(a);
      const ws = owner.workspaceId;
      const doc = new Y.Doc();
      new ChannelDoc(doc).post(
        { id: 'm1', body: 'Kept in the zip' },
        { id: owner.userId, name: 'Ana' },
        AT,
      );
      await a.server.sync.applyServerUpdate(docIds.channel(ws, 'ch1'), Y.encodeStateAsUpdate(doc));
      const onB = await world.logIn(b, owner.email);
      const base = `/api/workspaces/${owner.slug}/exports`;
      const started = await postJson<ExportResponse>(b.server, onB, base);
      expect(started.status, JSON.stringify(started.body)).toBe(202);
      await b.server.exports.service.idle();
      const id = started.body.export.id;
      const built = await getBytes(b.server, onB, `${base}/${id}/download`);
      const onA = await getBytes(a.server, owner.client, `${base}/${id}/download`);
      expect(onA.status).toBe(200);
      expect(onA.headers.get('content-length')).toBe(String(built.bytes.length));
      expect(onA.bytes.equals(built.bytes)).toBe(true);
      const entries = await unzip(onA.bytes);
      const state = new Y.Doc();
      Y.applyUpdate(state, entries.get(yjsFileOf('channel:ch1'))!);
      expect(new ChannelDoc(state).list().map((m) => m.body)).toEqual(['Kept in the zip']);
      // Not a file of either process: no DATA_DIR/exports/<id>.zip as before.
      for (const s of [a, b]) {
        expect(fs.existsSync(s.server.exports.service.files.zip(id))).toBe(false);
      }

      a.clock.advance(8 * 24 * 60 * 60 * 1000);
      expect(await a.server.exports.service.expireDue()).toBe(1);
      expect(await world.query(`SELECT 1 FROM blob_contents WHERE space = 'exports'`)).toEqual([]);
      b.clock.advance(8 * 24 * 60 * 60 * 1000);
      expect((await getBytes(b.server, onB, `${base}/${id}/download`)).status).toBe(410);
    });

    it('a workspace purged on A deletes the zip of an export B built', async () => {
      const { a, b } = await world.twoServers();
      const owner = await signUp(a);
      const onB = await world.logIn(b, owner.email);
      const base = `/api/workspaces/${owner.slug}/exports`;
      const started = await postJson<ExportResponse>(b.server, onB, base);
      expect(started.status, JSON.stringify(started.body)).toBe(202);
      await b.server.exports.service.idle();
      const zips = () => world.query(`SELECT sha256 FROM blob_contents WHERE space = 'exports'`);
      expect(await zips()).toHaveLength(1);
      await a.server.deletion.workspaceDeletion.purge(
        owner.workspaceId,
        'subscription_terminated',
        null,
      );
      expect(await zips()).toEqual([]);
      expect(await world.query('SELECT 1 FROM workspace_exports')).toEqual([]);
    });

    it('a workspace purged on A: its documents are gone from PostgreSQL and its socket on B is closed', async () => {
      const { a, b } = await world.twoServers();
      const owner = await signUp(a);
      const ws = owner.workspaceId;
      const other = await signUp(a);
      const onB = await world.logIn(b, owner.email);
      const client = await world.syncClient(b, onB, ws);
      const handle = client.open(docIds.channel(ws, 'ch1'));
      await until(() => synced(handle), 'subscribed on B');
      new ChannelDoc(handle.doc).post(
        { id: 'm1', body: 'Soon gone' },
        { id: owner.userId, name: 'Ana' },
        AT,
      );
      await until(() => handle.pending === 0, 'the edit stored');
      // Another workspace's document, which the purge leaves.
      await a.server.sync.applyServerUpdate(
        docIds.channel(other.workspaceId, 'ch1'),
        Y.encodeStateAsUpdate(new Y.Doc({ gc: false })),
      );
      expect((await storedRows(`${ws}:`)).docs).toBeGreaterThan(0);

      await a.server.deletion.workspaceDeletion.purge(ws, 'subscription_terminated', null);

      await until(
        () =>
          handle.status.kind === 'error' &&
          handle.status.error?.code === DocErrorCode.workspaceDeleted,
        'the subscription on B ended with workspace_deleted',
      );
      expect(await storedRows(`${ws}:`)).toEqual({ docs: 0, updates: 0, states: 0 });
      expect((await storedRows(`${other.workspaceId}:`)).docs).toBe(1);
      // Nobody on B is subscribed to it any more.
      expect(b.server.sync.rooms.get(docIds.channel(ws, 'ch1'))?.members.size ?? 0).toBe(0);
      // A write B was storing when the purge began (before it heard of it) is refused by
      // PostgreSQL, and recreates no document: the workspace is closed for every process.
      await expect(
        b.server.sync.applyServerUpdate(
          docIds.channel(ws, 'ch2'),
          Y.encodeStateAsUpdate(new Y.Doc({ gc: false })),
        ),
      ).rejects.toBeInstanceOf(WorkspaceClosedError);
      expect(await storedRows(`${ws}:`)).toEqual({ docs: 0, updates: 0, states: 0 });
    });

    it('an account deleted on A: its private documents are gone from PostgreSQL, its socket on B closed, and a late write on B cannot recreate one', async () => {
      const { a, b } = await world.twoServers();
      const owner = await signUp(a);
      const ws = owner.workspaceId;
      const email = `member-${Date.now().toString(36)}@example.com`;
      const { token } = await invite(a, owner.client, owner.slug, email);
      const joined = await acceptByRegistering(a, token, 'Mo Member');
      expect(joined.status, JSON.stringify(joined.body)).toBe(201);
      const memberOnB = await world.logIn(b, email);
      const me = await memberOnB.get<{ user: { id: string } }>('/api/auth/me');
      const privateDoc = docIds.user(ws, me.body.user.id);
      const client = await world.syncClient(b, memberOnB, ws);
      const handle = client.open(privateDoc);
      await until(() => synced(handle), 'the member is subscribed on B');
      handle.doc.getMap('reads').set('notices', 1);
      await until(() => handle.pending === 0, 'the private doc stored');
      expect((await storedRows(privateDoc)).docs).toBe(1);

      const memberOnA = await world.logIn(a, email);
      const deleted = await memberOnA.request('DELETE', '/api/auth/me', {
        body: { password: STRONG_PASSWORD },
      });
      expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);

      // Its token went with the account: the socket on B is closed for good.
      await until(
        () => client.status.kind === 'error' || handle.status.kind === 'error',
        'the subscription on B ended',
      );
      expect(await storedRows(privateDoc)).toEqual({ docs: 0, updates: 0, states: 0 });
      // A write to it B was storing before it heard of the deletion (its pipeline's turn came
      // after A's closure): refused by the store, so nothing recreates the document.
      const late = new Y.Doc();
      late.getMap('reads').set('notices', 2);
      await expect(
        b.server.sync.applyServerUpdate(privateDoc, Y.encodeStateAsUpdate(late)),
      ).rejects.toBeInstanceOf(DocClosedError);
      expect(await storedRows(privateDoc)).toEqual({ docs: 0, updates: 0, states: 0 });
      // The workspace's membership is gone with it (read on PostgreSQL, where both serve it).
      const members = await world.query<{ n: number }>(
        'SELECT COUNT(*)::int AS n FROM memberships WHERE workspace_id = $1',
        [ws],
      );
      expect(members[0]!.n).toBe(1);
    });
  },
);
