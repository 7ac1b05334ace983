import type { Hono } from 'hono';
import { authOf } from '../identity/middleware.ts';
import { readBody } from '../http/readBody/index.ts';
import { readQuery } from '../http/readQuery/index.ts';
import { AppError } from '../http/AppError.ts';
import { workspaceLimits } from './limits.ts';
import { managerRequest, memberRequest, ownerRequest } from './memberRequest.ts';
import type { WorkspaceRouteDeps } from './WorkspaceRouteDeps.ts';
import { AuditQuery, CreateWorkspaceRequest, RenameWorkspaceRequest } from '@desk/protocol/rest';

/**
 * Workspaces as their members see them: the list of mine, one workspace with its members
 * (the contract the desk UI uses for assignees and mentions), creating another workspace,
 * renaming, the seat count with its ledger, and the audit entries about the workspace.
 */
export function installWorkspaceRoutes(app: Hono, ctx: WorkspaceRouteDeps): void {
  const { limiter } = ctx;
  const { audit, transactions, workspaceAccess, workspaces: store } = ctx.control;
  app.get('/api/workspaces', async (c) => {
    const auth = authOf(c);
    const rows = (await store.ofUser(auth.user.id)).map(({ id, slug, name }) => ({
      id,
      slug,
      name,
    }));
    const workspaces = [];
    for (const w of rows) {
      if (auth.token && auth.token.workspaceId !== w.id) continue;
      const access = await workspaceAccess.of(auth.user.id, w.id);
      workspaces.push({
        ...w,
        role: access?.role,
        state: access?.state,
        readOnlyReason: access?.readOnlyReason,
      });
    }
    return c.json({ workspaces });
  });

  app.post('/api/workspaces', async (c) => {
    const auth = authOf(c);
    if (!auth.session) throw AppError.forbidden('Create workspaces from a browser session.');
    const body = await readBody(c, CreateWorkspaceRequest);
    await limiter.consume(
      `workspace-create:user:${auth.user.id}`,
      workspaceLimits.workspacesPerUser,
    );
    const owned = await store.customersOwnedBy(auth.user.id);
    const workspaceId = await transactions.write(async () => {
      const customerId = body.customerId ?? owned[0];
      if (customerId === undefined) {
        // A member of someone else's workspace starting their own: a new (person) customer.
        const created = await store.createWithCustomer({
          ownerUserId: auth.user.id,
          customer: { kind: 'person', name: auth.user.displayName },
          workspace: { name: body.name, slug: body.slug },
        });
        return created.workspaceId;
      }
      if (!owned.includes(customerId)) {
        throw AppError.forbidden('You can only add workspaces to a customer account you own.');
      }
      const created = await store.createForCustomer({
        customerId,
        ownerUserId: auth.user.id,
        workspace: { name: body.name, slug: body.slug },
      });
      return created.workspaceId;
    });
    const workspace = await store.byId(workspaceId);
    if (!workspace) throw new Error('created workspace vanished');
    return c.json(await store.payload(workspace, auth.user.id), 201);
  });

  app.get('/api/workspaces/:slug', async (c) => {
    const { auth, workspace } = await memberRequest(ctx, c);
    const payload = await store.payload(workspace, auth.user.id);
    if (!payload) throw AppError.notFound();
    return c.json(payload);
  });

  app.patch('/api/workspaces/:slug', async (c) => {
    const { auth, workspace } = await managerRequest(ctx, c);
    const body = await readBody(c, RenameWorkspaceRequest);
    await store.rename(workspace.id, body.name);
    const payload = await store.payload({ ...workspace, name: body.name }, auth.user.id);
    return c.json(payload);
  });

  /** Seat count, limit and history: the billing basis the owner sees (terms §1). */
  app.get('/api/workspaces/:slug/seats', async (c) => {
    const { workspace } = await managerRequest(ctx, c);
    return c.json(await store.seats(workspace.id));
  });

  /** What operators, billing and the system did to this workspace (terms §3). */
  app.get('/api/workspaces/:slug/audit', async (c) => {
    const { workspace } = await ownerRequest(ctx, c);
    const { before } = readQuery(c, AuditQuery);
    return c.json({
      entries: await audit.list({
        workspaceId: workspace.id,
        ...(before !== undefined ? { before } : {}),
      }),
    });
  });
}
