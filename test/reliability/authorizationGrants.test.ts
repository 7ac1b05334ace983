import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SupportGrantAccessLevel } from '@desk/protocol';
import {
  startAuthTestServer,
  type AuthTestServer,
} from '../../sync-server/src/testing/authTestServer.ts';
import { AuthzWorld } from './authz/authzWorld.ts';
import { restStatus, syncOutcome, yjsOutcome } from './authz/cells.ts';
import { installedRoutes, type InstalledRoute } from './authz/routeTable.ts';

/**
 * The authorization matrix's last columns (issue 16): the operator under an active support
 * grant of the target workspace, read grant then write grant, on every route of the real
 * app and both socket endpoints — the same world, routes and cells as
 * authorizationMatrix.test.ts, where the same operator without a grant is a column.
 *
 * A grant opens the workspace's content as a viewer (read) or an agent (write) would see it,
 * snapshots to read besides, and nothing of the customer's administration (members,
 * invitations, seats, settings, audit log, grants, exports). Routes outside a workspace must
 * answer exactly as they answer the operator without a grant: a grant changes nothing there,
 * which is checked live against that column rather than tabled here.
 *
 * Each `:slug` route's row: `read-grant write-grant` statuses.
 */
const expected: Record<string, string> = {
  'GET /api/workspaces/:slug': '200 200',
  'PATCH /api/workspaces/:slug': '403 403',
  'GET /api/workspaces/:slug/usage': '200 200',
  'GET /api/workspaces/:slug/search': '200 200',
  'GET /api/workspaces/:slug/tickets/first-page': '200 200',
  'GET /api/workspaces/:slug/seats': '403 403',
  'GET /api/workspaces/:slug/audit': '403 403',
  'POST /api/workspaces/:slug/ticket-numbers': '403 201',
  'POST /api/workspaces/:slug/blobs': '403 201',
  'GET /api/workspaces/:slug/blobs/:sha256': '200 200',
  'GET /api/workspaces/:slug/blobs/:sha256/thumbnail': '200 200',
  'PATCH /api/workspaces/:slug/members/:userId': '403 403',
  'DELETE /api/workspaces/:slug/members/:userId': '403 403',
  'POST /api/workspaces/:slug/transfer-ownership': '403 403',
  'GET /api/workspaces/:slug/invitations': '403 403',
  'POST /api/workspaces/:slug/invitations': '403 403',
  'POST /api/workspaces/:slug/invitations/:id/resend': '403 403',
  'DELETE /api/workspaces/:slug/invitations/:id': '403 403',
  'GET /api/workspaces/:slug/support-grants': '403 403',
  // Terms §4: an operator under a grant is no member: it opens cases, it does not report.
  'POST /api/workspaces/:slug/reports': '403 403',
  'GET /api/workspaces/:slug/reports': '403 403',
  'GET /api/workspaces/:slug/disabled': '200 200',
  'POST /api/workspaces/:slug/support-grants': '403 403',
  'DELETE /api/workspaces/:slug/support-grants/:grantId': '403 403',
  // Exports and deletion are the customer's: downloadable by the requester only (issue 16).
  'GET /api/workspaces/:slug/exports': '403 403',
  'POST /api/workspaces/:slug/exports': '403 403',
  'GET /api/workspaces/:slug/exports/:exportId': '403 403',
  'GET /api/workspaces/:slug/exports/:exportId/download': '403 403',
  // Where a deletion stands is for anyone in the workspace (the desk under a grant shows the
  // closed page too); asking for or cancelling one is the owner's alone.
  'GET /api/workspaces/:slug/deletion': '200 200',
  'POST /api/workspaces/:slug/deletion': '403 403',
  'DELETE /api/workspaces/:slug/deletion': '403 403',
  'GET /api/workspaces/:slug/snapshots': '200 200',
  'POST /api/workspaces/:slug/snapshots': '403 403',
  'GET /api/workspaces/:slug/snapshots/:snapshotId': '200 200',
  'GET /api/workspaces/:slug/snapshots/:snapshotId/diff': '200 200',
  'GET /api/workspaces/:slug/snapshots/:snapshotId/tickets/:ticketId': '200 200',
  'GET /api/workspaces/:slug/snapshots/:snapshotId/notices/:noticeId': '200 200',
  'POST /api/workspaces/:slug/snapshots/:snapshotId/restore': '403 403',
  'POST /api/workspaces/:slug/snapshots/:snapshotId/undo': '403 403',
};

/** /sync and /yjs subscribing to the target's index: `read` vs `write`, both sync on /yjs. */
const expectedSockets = { sync: ['read', 'write'], yjs: ['synced', 'synced'] };

const isWorkspaceRoute = (route: InstalledRoute) => route.path.startsWith('/api/workspaces/:slug');

let t: AuthTestServer;
let world: AuthzWorld;
let routes: InstalledRoute[];
beforeAll(async () => {
  t = await startAuthTestServer();
  world = await AuthzWorld.build(t);
  routes = installedRoutes(t.server.app);
});
afterAll(() => t.close());

/** Grants the operator support access of `access` (ending any other grant of the target). */
async function grantOperator(access: SupportGrantAccessLevel): Promise<void> {
  const { support, control } = t.server.services;
  const { id, ownerId } = world.target;
  for (const grant of await control.supportGrants.list(id)) {
    await support.revoke(id, grant.id, ownerId);
  }
  await support.create({
    workspaceId: id,
    grantedBy: ownerId,
    reason: 'matrix',
    access,
    durationMs: 24 * 60 * 60 * 1000,
  });
}

/** Every route's status for the operator (the `operatorNoGrant` column's account). */
async function operatorColumn(filter: (route: InstalledRoute) => boolean) {
  const cells: Record<string, number> = {};
  for (const route of routes.filter(filter)) {
    await world.refreshCredentials();
    cells[route.key] = await restStatus(world, route, world.credential('operatorNoGrant'));
  }
  return cells;
}

describe('the authorization matrix: the operator under a support grant', () => {
  it('has a row for every workspace route the app installs, and no other', () => {
    const installed = routes.filter(isWorkspaceRoute).map((r) => r.key);
    expect(installed.filter((key) => !(key in expected))).toEqual([]);
    expect(Object.keys(expected).filter((key) => !installed.includes(key))).toEqual([]);
  });

  it('answers every workspace route under a read grant, then a write grant, as the table says', async () => {
    await grantOperator('read');
    const read = await operatorColumn(isWorkspaceRoute);
    await grantOperator('write');
    const write = await operatorColumn(isWorkspaceRoute);
    const actual = Object.fromEntries(
      Object.keys(read).map((key) => [key, `${read[key]} ${write[key]}`]),
    );
    expect(actual).toEqual(
      Object.fromEntries(Object.keys(read).map((key) => [key, expected[key]])),
    );
  });

  it('answers every other route under a grant exactly as without one', async () => {
    const others = (route: InstalledRoute) => !isWorkspaceRoute(route);
    for (const { control, support } of [t.server.services]) {
      for (const g of await control.supportGrants.list(world.target.id)) {
        await support.revoke(world.target.id, g.id, world.target.ownerId);
      }
    }
    const without = await operatorColumn(others);
    await grantOperator('write');
    expect(await operatorColumn(others)).toEqual(without);
  });

  it('answers both socket endpoints under a read grant, then a write grant, as the table says', async () => {
    const sync: string[] = [];
    const yjs: string[] = [];
    for (const access of ['read', 'write'] as const) {
      await grantOperator(access);
      await world.refreshCredentials();
      sync.push(await syncOutcome(world, world.credential('operatorNoGrant')));
      yjs.push(await yjsOutcome(world, world.credential('operatorNoGrant')));
    }
    expect({ sync, yjs }).toEqual(expectedSockets);
  });
});
