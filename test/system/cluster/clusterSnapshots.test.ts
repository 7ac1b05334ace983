import { afterEach, beforeEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocHandle } from '@desk/client';
import type { RestoreResponse, SnapshotSummary } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { unpackState } from '../../../sync-server/src/snapshots/blobCodec.ts';
import { newId } from '../../../sync-server/src/ids/newId.ts';
import {
  signUp,
  type AuthTestServer,
  type TestClient,
} from '../../../sync-server/src/testing/authTestServer.ts';
import { describeWithPostgresAndRedis } from '../../../sync-server/src/testing/scaleOutParts.ts';
import { clusterProcesses, synced, type ClusterProcesses } from './clusterProcesses.ts';

// Workspace snapshots on a cluster (issue 19): every process reads the documents from the
// shared store, and captures, restores and undos of one workspace run one at a time across
// the processes (the `snapshots:<workspaceId>` lease).

/** The `title` a document's `fields` map holds in a Yjs state. */
function titleOf(state: Uint8Array): unknown {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  const title = doc.getMap('fields').get('title');
  doc.destroy();
  return title;
}

const storedTitle = async (server: AuthTestServer, docId: string) =>
  titleOf(await server.server.sync.readDocState(docId));

/** The title the document had in a snapshot, read from the shared snapshot store. */
async function snapshotTitle(server: AuthTestServer, snapshotId: string, docId: string) {
  const store = server.server.services.snapshots.store;
  const row = await store.doc(snapshotId, docId);
  if (!row) return undefined;
  return titleOf(await unpackState((await store.blob(row.hash))!));
}

const titleIn = (handle: DocHandle) => handle.doc.getMap('fields').get('title');

async function capture(server: AuthTestServer, client: TestClient, slug: string) {
  const res = await client.post<{ snapshot: SnapshotSummary }>(
    `/api/workspaces/${slug}/snapshots`,
    {},
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.snapshot;
}

await describeWithPostgresAndRedis(
  'snapshots on two server processes (createServer) on one PostgreSQL and one Redis',
  { ownServer: false },
  () => {
    let cluster: ClusterProcesses;
    beforeEach(() => {
      cluster = clusterProcesses();
    });
    afterEach(() => cluster.close());

    /** The owner on A and on B, a ticket doc a client on B edits, and a client on A. */
    const setup = async () => {
      const a = await cluster.start();
      const b = await cluster.start();
      const owner = await signUp(a);
      const ownerOnB = await cluster.logIn(b, owner.email);
      const docId = `${owner.workspaceId}:ticket:t1`;
      const onB = (await cluster.syncClient(b, ownerOnB, owner.workspaceId)).open(docId);
      const onA = (await cluster.syncClient(a, owner.client, owner.workspaceId)).open(docId);
      await until(() => synced(onA) && synced(onB), 'both subscribed');
      /** A title typed on B, once stored (every process reads it from the shared store). */
      const typeOnB = async (title: string) => {
        onB.doc.getMap('fields').set('title', title);
        await until(async () => (await storedTitle(a, docId)) === title, `"${title}" stored`);
      };
      return { a, b, owner, ownerOnB, docId, onA, onB, typeOnB };
    };

    it('a capture asked on A holds what a client on B typed; a restore asked on B reaches a client on A and the stored doc', async () => {
      const { a, b, owner, ownerOnB, docId, onA, typeOnB } = await setup();
      await typeOnB('first');
      const first = await capture(a, owner.client, owner.slug);
      expect(await snapshotTitle(a, first.id, docId)).toBe('first');

      await typeOnB('second');
      await until(() => titleIn(onA) === 'second', 'A has the second title');
      const res = await ownerOnB.post<RestoreResponse>(
        `/api/workspaces/${owner.slug}/snapshots/${first.id}/restore`,
        { scope: 'workspace' },
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.changedDocs).toBe(1);

      await until(() => titleIn(onA) === 'first', 'the client on A has the restored title');
      expect(await storedTitle(a, docId)).toBe('first');
      expect(await storedTitle(b, docId)).toBe('first');
      // The pre-restore snapshot B took holds the title as it was before.
      expect(await snapshotTitle(b, res.body.preRestoreSnapshotId, docId)).toBe('second');
    });

    it('two restores of one workspace asked at once on A and on B run one after the other', async () => {
      const { a, b, owner, ownerOnB, docId, onA, onB, typeOnB } = await setup();
      await typeOnB('one');
      const one = await capture(a, owner.client, owner.slug);
      await typeOnB('two');
      const two = await capture(b, ownerOnB, owner.slug);
      await typeOnB('three');

      const restore = (client: TestClient, snapshotId: string) =>
        client.post<RestoreResponse>(
          `/api/workspaces/${owner.slug}/snapshots/${snapshotId}/restore`,
          {
            scope: 'workspace',
          },
        );
      const [onAToOne, onBToTwo] = await Promise.all([
        restore(owner.client, one.id),
        restore(ownerOnB, two.id),
      ]);
      expect(onAToOne.status, JSON.stringify(onAToOne.body)).toBe(200);
      expect(onBToTwo.status, JSON.stringify(onBToTwo.body)).toBe(200);

      // Whichever ran first found "three"; the second one's pre-restore snapshot was taken
      // after the first had written — had they interleaved, both would have found "three".
      const before = {
        one: await snapshotTitle(a, onAToOne.body.preRestoreSnapshotId, docId),
        two: await snapshotTitle(a, onBToTwo.body.preRestoreSnapshotId, docId),
      };
      const order = before.one === 'three' ? (['one', 'two'] as const) : (['two', 'one'] as const);
      expect(before[order[0]]).toBe('three');
      expect(before[order[1]]).toBe(order[0]);
      // Both did their work, and the last one's is what everyone has.
      expect([onAToOne.body.changedDocs, onBToTwo.body.changedDocs]).toEqual([1, 1]);
      expect(await storedTitle(b, docId)).toBe(order[1]);
      await until(
        () => titleIn(onA) === order[1] && titleIn(onB) === order[1],
        'both clients have the last restore',
      );
    });

    it('a process starting leaves a capture another live process has in progress, and removes one a crash left', async () => {
      const a = await cluster.start();
      const live = await signUp(a);
      const crashed = await signUp(a);
      const service = a.server.services.snapshots;
      const row = (workspaceId: string) => ({
        id: newId(),
        workspaceId,
        createdAt: a.clock.now,
        seq: 0,
        storeGeneration: a.server.sync.generation(),
        trigger: 'manual' as const,
        authorUserId: null,
        label: null,
        restoreOf: null,
        restoreScope: null,
      });
      // A's capture of `live` is under way: begun under the workspace's lease, not ended.
      const inProgress = row(live.workspaceId);
      let end!: () => void;
      const ended = new Promise<void>((resolve) => (end = resolve));
      let begun!: () => void;
      const isBegun = new Promise<void>((resolve) => (begun = resolve));
      const capturing = service.queue.run(live.workspaceId, async () => {
        await service.store.begin(inProgress);
        begun();
        await ended;
        await service.store.delete([inProgress.id]);
      });
      await isBegun;
      // A capture of `crashed` whose process died: begun, and nobody holds its lease.
      const leftOver = row(crashed.workspaceId);
      await service.store.begin(leftOver);

      try {
        const b = await cluster.start();
        const incomplete = () => b.server.services.snapshots.store.incompleteWorkspaces();
        await until(
          async () => (await incomplete()).length === 1,
          "B's start-up removed the crashed capture",
        );
        expect(await incomplete()).toEqual([live.workspaceId]);
        // Asked again, B still leaves it: A holds the workspace.
        expect(await b.server.services.snapshots.removeIncomplete()).toBe(0);
        expect(await incomplete()).toEqual([live.workspaceId]);
      } finally {
        end();
        await capturing;
      }
      expect(await service.store.incompleteWorkspaces()).toEqual([]);
    });
  },
);
