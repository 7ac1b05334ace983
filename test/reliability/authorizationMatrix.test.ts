import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startAuthTestServer,
  type AuthTestServer,
} from '../../sync-server/src/testing/authTestServer.ts';
import { AuthzWorld, identityNames, type IdentityName } from './authz/authzWorld.ts';
import { restStatus, syncOutcome, yjsOutcome } from './authz/cells.ts';
import { installedRoutes, type InstalledRoute } from './authz/routeTable.ts';

/**
 * The authorization matrix (issue 12): every route of the real app × every kind of caller,
 * each cell the exact status expected. The rows come from Hono's route table, so a route
 * added without a row here fails the first test. Path parameters are real ids of the
 * target workspace; POST/PATCH send `{}`, so a caller who gets through is told 400 about
 * the body (or succeeds where `{}` is enough), and one who does not is told 401/403/404.
 *
 * Columns, in order (identityNames):
 *   anonymous · viewer · agent · admin · owner · operator without support grant · owner of
 *   another workspace · removed member · revoked session · expired session (injected
 *   clock) · token (agent, this workspace) · expired token (clock) · revoked token ·
 *   token of the admin scoped to another workspace they also belong to.
 * Without a support grant an operator sees a workspace as a stranger does (404); the
 * operator under an active read or write grant is the matrix's extra columns, in
 * authorizationGrants.test.ts (the same routes, the same world).
 */
const expected: Record<string, string> = {
  'GET /sync': '426 426 426 426 426 426 426 426 426 426 426 426 426 426',
  'GET /yjs/:docId': '426 426 426 426 426 426 426 426 426 426 426 426 426 426',
  'POST /api/auth/signup': '400 400 400 400 400 400 400 400 400 400 400 400 400 400',
  'POST /api/auth/signup/confirm': '400 400 400 400 400 400 400 400 400 400 400 400 400 400',
  'POST /api/auth/login': '400 400 400 400 400 400 400 400 400 400 400 400 400 400',
  'POST /api/auth/logout': '204 204 204 204 204 204 204 204 204 204 204 204 204 204',
  'POST /api/auth/clear-http-cache': '204 204 204 204 204 204 204 204 204 204 204 204 204 204',
  'POST /api/auth/logout-everywhere': '401 200 200 200 200 200 200 200 401 401 403 401 401 403',
  'GET /api/auth/me': '401 200 200 200 200 200 200 200 401 401 200 401 401 200',
  'PATCH /api/auth/me': '401 200 200 200 200 200 200 200 401 401 403 401 401 403',
  'DELETE /api/auth/me': '401 400 400 400 400 400 400 400 401 401 403 401 401 403',
  'POST /api/auth/terms': '401 400 400 400 400 400 400 400 401 401 403 401 401 403',
  'GET /api/auth/sessions': '401 200 200 200 200 200 200 200 401 401 403 401 401 403',
  'DELETE /api/auth/sessions/:id': '401 404 404 404 204 404 404 404 401 401 403 401 401 403',
  'POST /api/auth/password': '401 400 400 400 400 400 400 400 401 401 403 401 401 403',
  'POST /api/auth/password/forgot': '400 400 400 400 400 400 400 400 400 400 400 400 400 400',
  'POST /api/auth/password/reset': '400 400 400 400 400 400 400 400 400 400 400 400 400 400',
  'POST /api/auth/report-unauthorized-use':
    '401 200 200 200 200 200 200 200 401 401 403 401 401 403',
  'GET /api/security-reports': '401 403 403 403 403 200 403 403 401 401 403 401 401 403',
  'GET /api/auth/tokens': '401 200 200 200 200 200 200 200 401 401 403 401 401 403',
  'POST /api/auth/tokens': '401 400 400 400 400 400 400 400 401 401 403 401 401 403',
  'DELETE /api/auth/tokens/:id': '401 404 404 404 204 404 404 404 401 401 403 401 401 403',
  'GET /api/mailbox': '401 403 403 403 403 200 403 403 401 401 403 401 401 403',
  'GET /healthz': '200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  'GET /readyz': '200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  'GET /api/openapi.json': '200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  'POST /api/workspaces/:slug/ticket-numbers':
    '401 403 201 201 201 404 404 404 401 401 201 401 401 404',
  'POST /api/workspaces/:slug/blobs': '401 403 201 201 201 404 404 404 401 401 201 401 401 404',
  'GET /api/workspaces/:slug/blobs/:sha256':
    '401 200 200 200 200 404 404 404 401 401 200 401 401 404',
  'GET /api/workspaces/:slug/blobs/:sha256/thumbnail':
    '401 200 200 200 200 404 404 404 401 401 200 401 401 404',
  'GET /api/host': '200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  'GET /api/workspaces': '401 200 200 200 200 200 200 200 401 401 200 401 401 200',
  'GET /api/workspaces/:slug/deletion': '401 200 200 200 200 404 404 404 401 401 200 401 401 404',
  'POST /api/workspaces/:slug/deletion': '401 403 403 403 400 404 404 404 401 401 403 401 401 404',
  'DELETE /api/workspaces/:slug/deletion':
    '401 403 403 403 409 404 404 404 401 401 403 401 401 404',
  'POST /api/workspaces': '401 400 400 400 400 400 400 400 401 401 403 401 401 403',
  'GET /api/workspaces/:slug': '401 200 200 200 200 404 404 404 401 401 200 401 401 404',
  'GET /api/workspaces/:slug/exports': '401 403 403 200 200 404 404 404 401 401 403 401 401 404',
  'POST /api/workspaces/:slug/exports': '401 403 403 202 202 404 404 404 401 401 403 401 401 404',
  'GET /api/workspaces/:slug/exports/:exportId':
    '401 403 403 200 200 404 404 404 401 401 403 401 401 404',
  // Only the requester (the owner) downloads; another admin of the same workspace may not.
  'GET /api/workspaces/:slug/exports/:exportId/download':
    '401 403 403 403 200 404 404 404 401 401 403 401 401 404',
  'GET /api/export-format/v1/schema.json':
    '200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  'POST /api/workspace-imports': '401 400 400 400 400 400 400 400 401 401 403 401 401 403',
  'GET /api/workspaces/:slug/usage': '401 200 200 200 200 404 404 404 401 401 200 401 401 404',
  'GET /api/workspaces/:slug/search': '401 200 200 200 200 404 404 404 401 401 200 401 401 404',
  'GET /api/workspaces/:slug/tickets/first-page':
    '401 200 200 200 200 404 404 404 401 401 200 401 401 404',
  'PATCH /api/workspaces/:slug': '401 403 403 400 400 404 404 404 401 401 403 401 401 404',
  'GET /api/workspaces/:slug/seats': '401 403 403 200 200 404 404 404 401 401 403 401 401 404',
  'GET /api/workspaces/:slug/audit': '401 403 403 403 200 404 404 404 401 401 403 401 401 404',
  'GET /api/workspaces/:slug/support-grants':
    '401 403 403 200 200 404 404 404 401 401 403 401 401 404',
  'POST /api/workspaces/:slug/support-grants':
    '401 403 403 400 400 404 404 404 401 401 403 401 401 404',
  'DELETE /api/workspaces/:slug/support-grants/:grantId':
    '401 403 403 200 200 404 404 404 401 401 403 401 401 404',
  'GET /api/operator/support-grants': '401 403 403 403 403 200 403 403 401 401 403 401 401 403',
  'GET /api/operator/deletions': '401 403 403 403 403 200 403 403 401 401 403 401 401 403',
  // Terms §4: any member reports (a body of `{}` is 400); owners and admins read reports.
  'POST /api/workspaces/:slug/reports': '401 400 400 400 400 404 404 404 401 401 400 401 401 404',
  'GET /api/workspaces/:slug/reports': '401 403 403 200 200 404 404 404 401 401 403 401 401 404',
  'GET /api/workspaces/:slug/disabled': '401 200 200 200 200 404 404 404 401 401 200 401 401 404',
  'GET /api/operator/cases': '401 403 403 403 403 200 403 403 401 401 403 401 401 403',
  'POST /api/operator/cases': '401 403 403 403 403 400 403 403 401 401 403 401 401 403',
  'GET /api/operator/cases/:caseId': '401 403 403 403 403 404 403 403 401 401 403 401 401 403',
  'GET /api/operator/cases/:caseId/file': '401 403 403 403 403 404 403 403 401 401 403 401 401 403',
  'POST /api/operator/cases/:caseId/disable':
    '401 403 403 403 403 400 403 403 401 401 403 401 401 403',
  'POST /api/operator/cases/:caseId/enable':
    '401 403 403 403 403 400 403 403 401 401 403 401 401 403',
  'PATCH /api/workspaces/:slug/members/:userId':
    '401 403 403 400 400 404 404 404 401 401 403 401 401 404',
  'DELETE /api/workspaces/:slug/members/:userId':
    '401 403 403 200 200 404 404 404 401 401 403 401 401 404',
  'POST /api/workspaces/:slug/transfer-ownership':
    '401 403 403 403 400 404 404 404 401 401 403 401 401 404',
  'GET /api/workspaces/:slug/invitations':
    '401 403 403 200 200 404 404 404 401 401 403 401 401 404',
  'POST /api/workspaces/:slug/invitations':
    '401 403 403 400 400 404 404 404 401 401 403 401 401 404',
  'POST /api/workspaces/:slug/invitations/:id/resend':
    '401 403 403 200 200 404 404 404 401 401 403 401 401 404',
  'DELETE /api/workspaces/:slug/invitations/:id':
    '401 403 403 200 200 404 404 404 401 401 403 401 401 404',
  'POST /api/invitations/lookup': '400 400 400 400 400 400 400 400 400 400 400 400 400 400',
  'POST /api/invitations/accept': '400 400 400 400 400 400 400 400 400 400 400 400 400 400',
  'POST /api/billing/webhook': '404 404 404 404 404 404 404 404 404 404 404 404 404 404',
  'GET /api/operator/plans': '401 403 403 403 403 200 403 403 401 401 403 401 401 403',
  'GET /api/operator/customers': '401 403 403 403 403 200 403 403 401 401 403 401 401 403',
  'GET /api/operator/users': '401 403 403 403 403 200 403 403 401 401 403 401 401 403',
  'PATCH /api/operator/workspaces/:id/subscription':
    '401 403 403 403 403 400 403 403 401 401 403 401 401 403',
  'POST /api/operator/workspaces/:id/state':
    '401 403 403 403 403 400 403 403 401 401 403 401 401 403',
  'POST /api/operator/users/:id/suspend': '401 403 403 403 403 200 403 403 401 401 403 401 401 403',
  'POST /api/operator/users/:id/reinstate':
    '401 403 403 403 403 200 403 403 401 401 403 401 401 403',
  'GET /api/operator/audit': '401 403 403 403 403 200 403 403 401 401 403 401 401 403',
  'GET /api/terms': '200 200 200 200 200 200 200 200 200 200 200 200 200 200',
  'GET /api/operator/terms': '401 403 403 403 403 200 403 403 401 401 403 401 401 403',
  'POST /api/operator/terms': '401 403 403 403 403 400 403 403 401 401 403 401 401 403',
  'GET /api/operator/announcements': '401 403 403 403 403 200 403 403 401 401 403 401 401 403',
  'POST /api/operator/announcements': '401 403 403 403 403 400 403 403 401 401 403 401 401 403',
  'POST /api/operator/announcements/:id/retry':
    '401 403 403 403 403 404 403 403 401 401 403 401 401 403',
  'GET /api/auth/announcements': '401 200 200 200 200 200 200 200 401 401 403 401 401 403',
  'PUT /api/auth/announcements': '401 400 400 400 400 400 400 400 401 401 403 401 401 403',
  'POST /api/auth/announcements/opt-out': '400 400 400 400 400 400 400 400 400 400 400 400 400 400',
  'POST /api/auth/announcements/one-click':
    '400 400 400 400 400 400 400 400 400 400 400 400 400 400',
  'GET /api/workspaces/:slug/snapshots': '401 403 403 200 200 404 404 404 401 401 403 401 401 404',
  'POST /api/workspaces/:slug/snapshots': '401 403 403 201 201 404 404 404 401 401 403 401 401 404',
  'GET /api/workspaces/:slug/snapshots/:snapshotId':
    '401 403 403 200 200 404 404 404 401 401 403 401 401 404',
  'GET /api/workspaces/:slug/snapshots/:snapshotId/diff':
    '401 403 403 200 200 404 404 404 401 401 403 401 401 404',
  'GET /api/workspaces/:slug/snapshots/:snapshotId/tickets/:ticketId':
    '401 403 403 200 200 404 404 404 401 401 403 401 401 404',
  'GET /api/workspaces/:slug/snapshots/:snapshotId/notices/:noticeId':
    '401 403 403 200 200 404 404 404 401 401 403 401 401 404',
  'POST /api/workspaces/:slug/snapshots/:snapshotId/restore':
    '401 403 403 400 400 404 404 404 401 401 403 401 401 404',
  'POST /api/workspaces/:slug/snapshots/:snapshotId/undo':
    '401 403 403 409 409 404 404 404 401 401 403 401 401 404',
};

/**
 * Both socket endpoints, subscribing to the target workspace's index doc. /sync answers
 * per doc (`write`, `read`, or the docError code; `close <code>` when the socket itself is
 * refused); /yjs/:docId is one doc per socket (`synced`, or `close <code>`).
 */
const expectedSockets: Record<'sync' | 'yjs', readonly string[]> = {
  sync: [
    'close 4401',
    'read',
    'write',
    'write',
    'write',
    'not_member',
    'not_member',
    'not_member',
    'close 4401',
    'close 4401',
    'write',
    'close 4401',
    'close 4401',
    'not_member',
  ],
  yjs: [
    'close 4401',
    'synced',
    'synced',
    'synced',
    'synced',
    'close 4404',
    'close 4404',
    'close 4404',
    'close 4401',
    'close 4401',
    'synced',
    'close 4401',
    'close 4401',
    'close 4404',
  ],
};

let t: AuthTestServer;
let world: AuthzWorld;
let routes: InstalledRoute[];
beforeAll(async () => {
  t = await startAuthTestServer();
  world = await AuthzWorld.build(t);
  routes = installedRoutes(t.server.app);
});
afterAll(() => t.close());

/** A row of the table as statuses per identity. */
function row(key: string): Record<IdentityName, number> {
  const statuses = (expected[key] ?? '').split(/\s+/).map(Number);
  if (statuses.length !== identityNames.length) throw new Error(`row ${key} has the wrong width`);
  return Object.fromEntries(identityNames.map((name, i) => [name, statuses[i]!])) as Record<
    IdentityName,
    number
  >;
}

describe('the authorization matrix', () => {
  it('has a row for every route the app installs, and no row for a route it does not', () => {
    const installed = routes.map((r) => r.key);
    expect(installed.filter((key) => !(key in expected))).toEqual([]);
    expect(Object.keys(expected).filter((key) => !installed.includes(key))).toEqual([]);
  });

  it('answers every route × identity cell as the table says', async () => {
    const actual: Record<string, Record<IdentityName, number>> = {};
    for (const route of routes) {
      const cells = {} as Record<IdentityName, number>;
      for (const name of identityNames) {
        // Fresh valid credentials per cell: some routes end the caller's sessions and tokens.
        await world.refreshCredentials();
        cells[name] = await restStatus(world, route, world.credential(name));
      }
      actual[route.key] = cells;
    }
    const wanted = Object.fromEntries(routes.map((r) => [r.key, row(r.key)]));
    expect(actual).toEqual(wanted);
  });

  it('answers both socket endpoints per identity as the table says', async () => {
    await world.refreshCredentials();
    const sync: string[] = [];
    const yjs: string[] = [];
    for (const name of identityNames) {
      sync.push(await syncOutcome(world, world.credential(name)));
      yjs.push(await yjsOutcome(world, world.credential(name)));
    }
    expect({ sync, yjs }).toEqual(expectedSockets);
  });
});
