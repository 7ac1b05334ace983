import type { Hono } from 'hono';
import { readBody } from '../http/readBody/index.ts';
import { managerRequest, memberRequest, ownerRequest } from './memberRequest.ts';
import type { MembershipChange } from './MembershipStore.ts';
import type { WorkspaceRouteDeps } from './WorkspaceRouteDeps.ts';
import { ChangeRoleRequest, TransferOwnershipRequest } from '@desk/protocol/rest';

/**
 * Changing roles, removing members (or leaving), and transferring ownership. Each change
 * commits with its seat-ledger entry, then `membershipChanged` tells live connections: a
 * removed member's subscriptions to the workspace's documents are closed at once.
 */
export function installMemberRoutes(app: Hono, ctx: WorkspaceRouteDeps): void {
  const { memberships, transactions } = ctx.control;
  const announce = (changes: readonly MembershipChange[]) => {
    for (const change of changes) ctx.access.emit('membershipChanged', change);
  };

  app.patch('/api/workspaces/:slug/members/:userId', async (c) => {
    const { auth, workspace } = await managerRequest(ctx, c);
    const { role } = await readBody(c, ChangeRoleRequest);
    const change = await transactions.write(() =>
      memberships.changeRole({
        workspaceId: workspace.id,
        actorUserId: auth.user.id,
        userId: c.req.param('userId'),
        role,
      }),
    );
    if (change) announce([change]);
    return c.json({ members: await memberships.list(workspace.id) });
  });

  app.delete('/api/workspaces/:slug/members/:userId', async (c) => {
    // Any member may remove themselves (leave); managers may remove others.
    const userId = c.req.param('userId');
    const request = await memberRequest(ctx, c);
    const { auth, workspace } =
      userId === request.auth.user.id ? request : await managerRequest(ctx, c);
    const change = await transactions.write(() =>
      memberships.remove({ workspaceId: workspace.id, actorUserId: auth.user.id, userId }),
    );
    announce([change]);
    ctx.log.info({ workspaceId: workspace.id, userId, by: auth.user.id }, 'member removed');
    return c.json({ members: await memberships.list(workspace.id) });
  });

  app.post('/api/workspaces/:slug/transfer-ownership', async (c) => {
    const { auth, workspace } = await ownerRequest(ctx, c);
    const { userId } = await readBody(c, TransferOwnershipRequest);
    const changes = await transactions.write(() =>
      memberships.transferOwnership({
        workspaceId: workspace.id,
        actorUserId: auth.user.id,
        newOwnerUserId: userId,
      }),
    );
    announce(changes);
    return c.json({ members: await memberships.list(workspace.id) });
  });
}
