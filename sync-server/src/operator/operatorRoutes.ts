import type { Context, Hono } from 'hono';
import type { AuditActor, AuditStore } from '../audit/AuditStore.ts';
import { authOf, requireOperator } from '../identity/middleware.ts';
import { readBody } from '../http/readBody/index.ts';
import { readQuery } from '../http/readQuery/index.ts';
import { plans } from '../billing/plans.ts';
import type { SubscriptionChanges } from '../billing/SubscriptionChanges.ts';
import { AppError } from '../http/AppError.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { WorkspaceStore } from '../workspaces/WorkspaceStore.ts';
import type { AsyncCustomerDirectory } from './CustomerDirectory.ts';
import type { UserSuspension } from './UserSuspension.ts';
import {
  AuditQuery,
  ChangeStateRequest,
  ChangeSubscriptionRequest,
  DirectoryQuery,
  OperatorNoteRequest,
} from '@desk/protocol/rest';

/**
 * The stores the operator console's routes read and write, on their async interfaces
 * (issue 19: PostgreSQL may answer, `SqlCustomerDirectory`); part of `Services.control`.
 */
export interface OperatorRouteStores {
  readonly audit: AsyncStore<AuditStore>;
  readonly customers: AsyncCustomerDirectory;
  readonly workspaces: AsyncStore<WorkspaceStore>;
}

/**
 * The operator console's API (platform role `operator`, browser session). Account
 * information only — customers, users, plans, subscription states — and never a route to
 * workspace content (terms §3). Every change is written to the audit log in the same
 * transaction as the change itself.
 */
export function installOperatorRoutes(
  app: Hono,
  ctx: ServerContext & {
    readonly subscriptionChanges: SubscriptionChanges;
    readonly userSuspension: UserSuspension;
    readonly control: OperatorRouteStores;
  },
): void {
  const { subscriptionChanges: changes, userSuspension: suspension } = ctx;
  const { audit, customers, workspaces } = ctx.control;
  app.use('/api/operator/*', requireOperator);

  const operator = (c: Context): AuditActor => ({ kind: 'operator', userId: authOf(c).user.id });
  const query = (c: Context) => {
    const parsed = DirectoryQuery.safeParse(c.req.query());
    if (!parsed.success) throw AppError.badRequest('The list parameters are not valid.');
    return parsed.data;
  };
  const workspaceIdOf = async (c: Context): Promise<string> => {
    const workspace = await workspaces.byId(c.req.param('id') ?? '');
    if (!workspace) throw AppError.notFound('No such workspace.');
    return workspace.id;
  };

  app.get('/api/operator/plans', (c) => c.json({ plans: Object.values(plans) }));

  /**
   * A targeted look-up of a person (a non-empty search) is an access to their account
   * information and is audited; browsing the plain list is not, or the log would drown.
   */
  const auditLookup = async (c: Context, list: string, q: string) => {
    if (!q.trim()) return;
    await audit.record({
      actor: operator(c),
      action: 'operator.searched',
      target: { kind: list, id: '*' },
      details: { q: q.trim() },
    });
  };

  app.get('/api/operator/customers', async (c) => {
    const { q, limit, offset } = query(c);
    await auditLookup(c, 'customers', q);
    return c.json(await customers.search(q, { limit, offset }));
  });

  app.get('/api/operator/users', async (c) => {
    const { q, limit, offset } = query(c);
    await auditLookup(c, 'users', q);
    return c.json(await customers.searchUsers(q, { limit, offset }));
  });

  app.patch('/api/operator/workspaces/:id/subscription', async (c) => {
    const workspaceId = await workspaceIdOf(c);
    const body = await readBody(c, ChangeSubscriptionRequest);
    await changes.assign(
      workspaceId,
      {
        ...(body.planId !== undefined ? { planId: body.planId } : {}),
        ...(body.seatLimit !== undefined ? { seatLimit: body.seatLimit } : {}),
        ...(body.trialEndsAt !== undefined ? { trialEndsAt: body.trialEndsAt } : {}),
      },
      operator(c),
    );
    return c.json({ ok: true });
  });

  app.post('/api/operator/workspaces/:id/state', async (c) => {
    const workspaceId = await workspaceIdOf(c);
    const body = await readBody(c, ChangeStateRequest);
    const changed = await changes.transition(workspaceId, body.state, {
      ...(body.state === 'suspended' ? { suspendedReason: 'operator' as const } : {}),
      actor: operator(c),
      ...(body.note ? { note: body.note } : {}),
    });
    return c.json({ changed });
  });

  app.post('/api/operator/users/:id/suspend', async (c) => {
    const body = await readBody(c, OperatorNoteRequest);
    await suspension.suspend(c.req.param('id'), operator(c), body.note ?? null);
    return c.json({ ok: true });
  });

  app.post('/api/operator/users/:id/reinstate', async (c) => {
    const body = await readBody(c, OperatorNoteRequest);
    await suspension.reinstate(c.req.param('id'), operator(c), body.note ?? null);
    return c.json({ ok: true });
  });

  app.get('/api/operator/audit', async (c) => {
    const { before } = readQuery(c, AuditQuery);
    return c.json({
      entries: await audit.list({ ...(before !== undefined ? { before } : {}), limit: 200 }),
    });
  });
}
