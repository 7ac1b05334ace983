import type { Hono } from 'hono';
import type { ServerContext } from '../ServerContext.ts';
import {
  memberRequest,
  type MemberRequestDeps,
  type MemberStores,
} from '../workspaces/memberRequest.ts';
import { describeUsage } from './describeUsage.ts';
import type { AsyncUsageStore } from './UsageStore.ts';

/**
 * The store the usage route reads, on its async interface (issue 19: PostgreSQL may answer,
 * `SqlUsageStore`); part of `Services.control`.
 */
export interface UsageRouteStores {
  readonly usage: AsyncUsageStore;
}

/**
 * `GET /api/workspaces/:slug/usage` → WorkspaceUsageResponse (@desk/protocol): the
 * workspace's use of each limit of its plan. Every member may read it — the app of each
 * member warns near a limit and refuses new tickets up front when the workspace is full —
 * and access tokens too (read-only, like the workspace itself).
 */
export function installUsageRoutes(
  app: Hono,
  ctx: ServerContext & MemberRequestDeps & { readonly control: UsageRouteStores & MemberStores },
): void {
  const { usage } = ctx.control;
  app.get('/api/workspaces/:slug/usage', async (c) => {
    const { workspace } = await memberRequest(ctx, c);
    const override = ctx.config.DOC_SIZE_LIMIT_BYTES ?? null;
    return c.json(describeUsage(await usage.figures(workspace.id), ctx.now(), override));
  });
}
