import { afterEach, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { createTicket, docIds, TicketDoc, WorkspaceIndex } from '@desk/model';
import type { FirstPageResponse, TicketSearchResponse } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import {
  signUp,
  type AuthTestServer,
  type TestClient,
} from '../../../sync-server/src/testing/authTestServer.ts';
import { describeWithPostgresAndRedis } from '../../../sync-server/src/testing/scaleOutParts.ts';
import { clusterProcesses, synced } from './clusterProcesses.ts';

// The ticket search projection on a cluster (issue 19): two server processes as createServer
// builds them from a PostgreSQL DATABASE_URL and REDIS_URL (as in clusterServers.test.ts),
// on one database and one Redis prefix of the test's own. Clients write tickets over /sync
// to either process; the search and first-page routes of either answer from the one
// projection in PostgreSQL, kept by the one process holding the `search` lease.

/** The projector's throttles (a ticket doc every 2 s, the index every 10 s) and its 2 s look. */
const PROJECTED_WITHIN_MS = 40_000;

await describeWithPostgresAndRedis(
  'the search projection of two server processes (createServer) on one PostgreSQL and one Redis',
  { ownServer: false },
  () => {
    const cluster = clusterProcesses();
    const twoServers = () => cluster.twoServers();
    const logIn = (server: AuthTestServer, email: string) => cluster.logIn(server, email);

    afterEach(async () => {
      vi.restoreAllMocks();
      await cluster.close();
    });

    /** A device on `server`'s /sync (the web's SyncClient), with a token `client` creates. */
    const device = async (server: AuthTestServer, client: TestClient, workspaceId: string) => {
      const sync = await cluster.syncClient(server, client, workspaceId);
      return {
        /** Creates a ticket as the web app does: its index row and its own doc. */
        async write(id: string, title: string, number: number, description: string) {
          const index = sync.open(docIds.index(workspaceId));
          const ticket = sync.open(docIds.ticket(workspaceId, id));
          await until(() => synced(index) && synced(ticket), `${id}'s docs subscribed`);
          const ticketDoc = new TicketDoc(ticket.doc);
          const now = Date.now();
          createTicket(new WorkspaceIndex(index.doc), ticketDoc, { id, title, number }, actor, now);
          const p = new Y.XmlElement('paragraph');
          p.insert(0, [new Y.XmlText(description)]);
          ticketDoc.description.insert(0, [p]);
        },
      };
    };

    const actor = { id: 'u1', name: 'Ana' };

    const search = async (client: TestClient, slug: string, q: string) => {
      const res = await client.get<TicketSearchResponse>(
        `/api/workspaces/${slug}/search?q=${encodeURIComponent(q)}`,
      );
      expect(res.status).toBe(200);
      return res.body.hits.map((hit) => hit.ticketId).sort();
    };

    const firstPage = async (client: TestClient, slug: string) => {
      const res = await client.get<FirstPageResponse>(`/api/workspaces/${slug}/tickets/first-page`);
      expect(res.status).toBe(200);
      return res.body.rows.map((row) => row.id).sort();
    };

    /** Until `q` asked of every one of `on` answers exactly `ticketIds`. */
    const foundOn = async (
      on: { client: TestClient; slug: string }[],
      q: string,
      ticketIds: string[],
    ) => {
      await until(
        async () => {
          for (const { client, slug } of on) {
            if (JSON.stringify(await search(client, slug, q)) !== JSON.stringify(ticketIds))
              return false;
          }
          return true;
        },
        `"${q}" to find ${ticketIds.join(', ')}`,
        PROJECTED_WITHIN_MS,
      );
    };

    const projectorOf = (server: AuthTestServer) => server.server.services.searchProjector;

    /** Spies on every write of `server`'s search index (the projector's only way to project). */
    const indexWrites = (server: AuthTestServer) => {
      const index = server.server.services.searchIndex;
      return [
        vi.spyOn(index, 'putFields'),
        vi.spyOn(index, 'putBody'),
        vi.spyOn(index, 'advance'),
        vi.spyOn(index, 'deleteWorkspace'),
      ];
    };

    /** Once exactly one of the two holds the search lease: which one, and the other. */
    const leaseHolder = async (a: AuthTestServer, b: AuthTestServer) => {
      await until(
        () => [a, b].filter((server) => projectorOf(server).holding).length === 1,
        'one process holds the search lease',
      );
      return projectorOf(a).holding ? { holder: a, other: b } : { holder: b, other: a };
    };

    it('a ticket written on either process is found, and listed, on both; only the lease holder projects', async () => {
      const { a, b } = await twoServers();
      const owner = await signUp(a);
      const onA = { client: owner.client, slug: owner.slug };
      const onB = { client: await logIn(b, owner.email), slug: owner.slug };
      // One holder, the other waiting for the lease.
      const { holder, other } = await leaseHolder(a, b);
      const otherWrites = indexWrites(other);

      const deviceA = await device(a, owner.client, owner.workspaceId);
      await deviceA.write('t1', 'Projector flickers', 1, 'It started after the firmware update');
      // Written on A, asked on B (and A): one projection for the cluster.
      await foundOn([onB, onA], 'flickers', ['t1']);
      await foundOn([onB], 'firmware', ['t1']);
      expect(await firstPage(onB.client, onB.slug)).toEqual(['t1']);

      const deviceB = await device(b, onB.client, owner.workspaceId);
      await deviceB.write('t2', 'Printer flickers too', 2, 'Its display, since Monday');
      await deviceA.write('t3', 'Scanner flickers', 3, 'Only in the morning');
      await foundOn([onA, onB], 'flickers', ['t1', 't2', 't3']);
      await foundOn([onA, onB], 'monday', ['t2']);
      await until(
        async () =>
          JSON.stringify(await firstPage(onA.client, onA.slug)) ===
            JSON.stringify(['t1', 't2', 't3']) &&
          JSON.stringify(await firstPage(onB.client, onB.slug)) ===
            JSON.stringify(['t1', 't2', 't3']),
        'both first pages list the three tickets',
        PROJECTED_WITHIN_MS,
      );

      // The holder projected every write, its own process's and the other's; the other none.
      expect(projectorOf(holder).holding).toBe(true);
      expect(projectorOf(other).holding).toBe(false);
      for (const write of otherWrites) expect(write).not.toHaveBeenCalled();
    }, 120_000);

    it('the holder closed, the other process takes the lease over and projects the writes after it', async () => {
      const { a, b } = await twoServers();
      const owner = await signUp(a);
      const onB = { client: await logIn(b, owner.email), slug: owner.slug };
      const { holder, other } = await leaseHolder(a, b);
      const onOther = holder === a ? onB : { client: owner.client, slug: owner.slug };

      const writer = await device(other, onOther.client, owner.workspaceId);
      await writer.write('t1', 'Router reboots', 1, 'Every night at three');
      await foundOn([onOther], 'router', ['t1']);

      // Its process stops (shutdown gives the lease up): the other's next ask takes it.
      await cluster.stop(holder);
      await until(() => projectorOf(other).holding, 'the other process holds the lease');

      await writer.write('t2', 'Router overheats', 2, 'The fan is loud');
      await foundOn([onOther], 'router', ['t1', 't2']);
      await foundOn([onOther], 'fan', ['t2']);
      expect(await firstPage(onOther.client, onOther.slug)).toEqual(['t1', 't2']);
    }, 120_000);
  },
);
