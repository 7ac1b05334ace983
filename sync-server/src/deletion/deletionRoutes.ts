import type { Hono, MiddlewareHandler } from 'hono';
import { ErrorCode } from '@desk/protocol';
import { OperatorDeletionList, RequestWorkspaceDeletionRequest } from '@desk/protocol/rest';
import { authLimits } from '../auth/limits.ts';
import { AppError } from '../http/AppError.ts';
import { readBody } from '../http/readBody/index.ts';
import type { RateLimiter } from '../http/rateLimit/index.ts';
import { tokenAllowsWorkspace } from '../identity/AuthContext.ts';
import { requireOperator } from '../identity/middleware.ts';
import { verifyPassword } from '../identity/passwords.ts';
import type { UserStore } from '../identity/UserStore.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import {
  memberRequest,
  ownerRequest,
  type MemberRequestDeps,
  type MemberStores,
} from '../workspaces/memberRequest.ts';
import type { WorkspaceAccessStore } from '../workspaces/WorkspaceAccessStore.ts';
import type { InvitationStore } from '../workspaces/InvitationStore.ts';
import type { WorkspaceDeletion, WorkspaceDeletionStores } from './WorkspaceDeletion.ts';
import type { AsyncWorkspacePurgeStore } from './WorkspacePurgeStore.ts';

/**
 * The stores the deletion routes and their guards read, on their async interfaces (issue 19:
 * PostgreSQL may answer); part of `Services.control`.
 */
export interface DeletionRouteStores {
  readonly workspaces: WorkspaceDeletionStores['workspaces'];
  readonly workspaceDeletions: WorkspaceDeletionStores['workspaceDeletions'];
  readonly workspaceAccess: AsyncStore<WorkspaceAccessStore>;
  readonly users: AsyncStore<UserStore>;
  readonly invitations: AsyncStore<InvitationStore>;
  /** The operator's list of pending and purged workspaces. */
  readonly workspacePurge: AsyncWorkspacePurgeStore;
}

export interface DeletionRouteDeps extends ServerContext, MemberRequestDeps {
  readonly control: DeletionRouteStores & MemberStores;
  readonly workspaceDeletion: WorkspaceDeletion;
  readonly limiter: RateLimiter;
}

/** How many purge records the operator console lists. @default 200 */
const PURGED_LISTED = 200;

/** The one path of a closed workspace that still answers (status, cancel). */
const DELETION_PATH = /^\/api\/workspaces\/[^/]+\/deletion\/?$/;

/**
 * Every `/api/workspaces/:slug…` route of a workspace being deleted answers 410
 * `workspace_deleted` to its members — before any route runs, so a route added later cannot
 * forget it. Non-members pass on and get the route's own 404 (slugs are not probed).
 * Installed after the auth context and before the workspace routes.
 */
export function closedWorkspaceGuard(deps: DeletionRouteDeps): MiddlewareHandler {
  return async (c, next) => {
    const auth = c.get('auth');
    const slug = c.req.param('slug');
    if (auth && slug && !DELETION_PATH.test(c.req.path)) {
      const { workspaces, workspaceAccess, workspaceDeletions } = deps.control;
      const workspace = await workspaces.bySlug(slug);
      if (
        workspace &&
        tokenAllowsWorkspace(auth, workspace.id) &&
        (await workspaceAccess.of(auth.user.id, workspace.id)) !== null &&
        (await workspaceDeletions.pending(workspace.id)) !== null
      ) {
        throw new AppError(
          ErrorCode.workspaceDeleted,
          410,
          'This workspace is being deleted. Its owner can cancel the deletion until the date shown on its page.',
        );
      }
    }
    await next();
  };
}

/**
 * An invitation to a workspace being deleted can be neither looked up nor accepted (410
 * `workspace_deleted`): nobody joins a closed workspace. Runs before the invitation routes
 * (registered on the same paths); a token that is not usable passes on to their own refusal.
 */
export function closedWorkspaceInvitationGuard(deps: DeletionRouteDeps): MiddlewareHandler {
  return async (c, next) => {
    // Hono keeps the parsed body: the route reads the same JSON (or the same refusal) again.
    const body: unknown = await c.req.json().catch(() => null);
    const token =
      typeof body === 'object' && body !== null && 'token' in body && typeof body.token === 'string'
        ? body.token
        : null;
    let workspaceId: string | null = null;
    try {
      workspaceId =
        token === null ? null : (await deps.control.invitations.requireUsable(token)).workspaceId;
    } catch {
      // Expired, used, revoked or unknown: the route answers that, as it always has.
    }
    if (
      workspaceId !== null &&
      (await deps.control.workspaceDeletions.pending(workspaceId)) !== null
    ) {
      throw new AppError(
        ErrorCode.workspaceDeleted,
        410,
        'This workspace is being deleted, so its invitations can no longer be used.',
      );
    }
    await next();
  };
}

/**
 * `/api/workspaces/:slug/deletion`: any member reads where the deletion stands (the page a
 * closed workspace shows); the owner asks for it with their password (a browser session —
 * a token or a forged request must not erase a workspace) and cancels it within the window.
 */
export function installDeletionRoutes(app: Hono, deps: DeletionRouteDeps): void {
  const guard = closedWorkspaceGuard(deps);
  app.use('/api/workspaces/:slug', guard);
  app.use('/api/workspaces/:slug/*', guard);
  const invitationGuard = closedWorkspaceInvitationGuard(deps);
  app.post('/api/invitations/lookup', invitationGuard);
  app.post('/api/invitations/accept', invitationGuard);

  app.get('/api/workspaces/:slug/deletion', async (c) => {
    const { workspace, role } = await memberRequest(deps, c);
    return c.json(await deps.workspaceDeletion.status(workspace, role));
  });

  app.post('/api/workspaces/:slug/deletion', async (c) => {
    const { auth, workspace } = await ownerRequest(deps, c);
    const body = await readBody(c, RequestWorkspaceDeletionRequest);
    // Guessing the password here is as costly as on the password change form.
    await deps.limiter.consume(
      `workspace-delete:account:${auth.user.id}`,
      authLimits.passwordChangePerAccount,
    );
    const user = await deps.control.users.byId(auth.user.id);
    if (!user || !(await verifyPassword(user.passwordHash, body.password))) {
      throw new AppError(ErrorCode.invalidCredentials, 403, 'The password is wrong.', {
        fields: { password: 'This is not your current password.' },
      });
    }
    return c.json(await deps.workspaceDeletion.request(workspace, auth.user.id), 202);
  });

  app.delete('/api/workspaces/:slug/deletion', async (c) => {
    const { auth, workspace } = await ownerRequest(deps, c);
    return c.json(await deps.workspaceDeletion.cancel(workspace, auth.user.id));
  });

  // The operator's view (read-only): the name of a workspace still pending (its owner may
  // cancel, support may be asked about it), only ids and dates once it is purged.
  app.get('/api/operator/deletions', requireOperator, async (c) => {
    const { pending, purged } = await deps.control.workspacePurge.overview(PURGED_LISTED);
    return c.json(OperatorDeletionList.parse({ pending, purged }));
  });
}
