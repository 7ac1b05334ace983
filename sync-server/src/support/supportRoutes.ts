import type { Hono, MiddlewareHandler } from 'hono';
import { authOf, requireOperator } from '../identity/middleware.ts';
import { AppError } from '../http/AppError.ts';
import { readBody } from '../http/readBody/index.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import {
  managerRequest,
  type MemberRequestDeps,
  type MemberStores,
} from '../workspaces/memberRequest.ts';
import type { WorkspaceAccessStore } from '../workspaces/WorkspaceAccessStore.ts';
import type { WorkspaceStore } from '../workspaces/WorkspaceStore.ts';
import type { SupportGrantExpiry } from './SupportGrantExpiry.ts';
import type { SupportGrantStore } from './SupportGrantStore.ts';
import type { SupportGrants } from './SupportGrants.ts';
import { CreateSupportGrantRequest } from '@desk/protocol/rest';

/**
 * The stores the support routes and their middleware read, on their async interfaces
 * (issue 19: PostgreSQL may answer); part of `Services.control`.
 */
export interface SupportRouteStores {
  readonly workspaces: AsyncStore<WorkspaceStore>;
  readonly workspaceAccess: AsyncStore<WorkspaceAccessStore>;
  readonly supportGrants: AsyncStore<SupportGrantStore>;
}

/** What the support-access routes use (built once in createServices). */
export interface SupportRouteDeps extends ServerContext, MemberRequestDeps {
  readonly control: SupportRouteStores & MemberStores;
  /** Grants, revocations and the audit entries of requests under a grant. */
  readonly support: SupportGrants;
  readonly supportExpiry: SupportGrantExpiry;
}

/**
 * Support access (terms §3, issue 16). Owners and admins grant, list and revoke grants of
 * their workspace; operators list the workspaces they may open now. An operator under an
 * active grant then uses the workspace's own routes and sockets as a viewer (read grant) or
 * an agent (write grant): this module's middleware finds the grant for the `:slug` of every
 * workspace route, and audits each request made under it. Must be installed before the
 * workspace routes (it is middleware).
 */
export function installSupport(app: Hono, ctx: SupportRouteDeps): void {
  // Grants that ran out while the server was down get their entry; the next one is timed.
  void ctx.supportExpiry.check().catch((err: unknown) => {
    ctx.log.error({ err }, 'support grant expiry failed');
  });
  const underGrant = supportAccessMiddleware(ctx);
  app.use('/api/workspaces/:slug', underGrant);
  app.use('/api/workspaces/:slug/*', underGrant);

  const grantsPath = '/api/workspaces/:slug/support-grants';
  app.get(grantsPath, async (c) => {
    const { workspace } = await managerRequest(ctx, c);
    return c.json({ grants: await ctx.control.supportGrants.list(workspace.id) });
  });

  app.post(grantsPath, async (c) => {
    const { auth, workspace } = await managerRequest(ctx, c);
    const body = await readBody(c, CreateSupportGrantRequest);
    const grant = await ctx.support.create({
      workspaceId: workspace.id,
      grantedBy: auth.user.id,
      reason: body.reason,
      access: body.access,
      durationMs: body.durationMs,
    });
    await ctx.supportExpiry.check();
    return c.json({ grant }, 201);
  });

  app.delete(`${grantsPath}/:grantId`, async (c) => {
    const { auth, workspace } = await managerRequest(ctx, c);
    const grant = await ctx.support.revoke(workspace.id, c.req.param('grantId'), auth.user.id);
    if (!grant) throw AppError.notFound('No such support grant in this workspace.');
    return c.json({ grant });
  });

  app.get('/api/operator/support-grants', requireOperator, async (c) =>
    c.json({ grants: await ctx.control.supportGrants.active() }),
  );
}

/**
 * For an operator's browser session on a workspace it is not a member of: the active grant,
 * as `c.var.supportAccess` for `memberRequest`, and after the route answered, the request
 * in the workspace's audit log (method, path, status). Everyone else passes untouched.
 */
function supportAccessMiddleware(ctx: SupportRouteDeps): MiddlewareHandler {
  return async (c, next) => {
    const auth = c.get('auth');
    if (!auth || auth.user.platformRole !== 'operator' || !auth.session) return next();
    const { workspaces, workspaceAccess } = ctx.control;
    const workspace = await workspaces.bySlug(c.req.param('slug') ?? '');
    const access = workspace ? await workspaceAccess.of(auth.user.id, workspace.id) : null;
    // Also two app.use patterns may match one path: the first one audits.
    if (!workspace || !access?.support || c.get('supportAccess')) return next();
    c.set('supportAccess', { ...access.support, workspaceId: workspace.id, role: access.role });
    await next();
    await ctx.support.recordRequest(authOf(c).user.id, workspace.id, {
      grantId: access.support.grantId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
    });
  };
}
