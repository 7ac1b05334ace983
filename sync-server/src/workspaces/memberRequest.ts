import type { Context } from 'hono';
import { authOf } from '../identity/middleware.ts';
import type { AuthContext } from '../identity/AuthContext.ts';
import { tokenAllowsWorkspace } from '../identity/AuthContext.ts';
import { AppError } from '../http/AppError.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import { canManageMembers, type Role } from './roles.ts';
import type { MembershipStore } from './MembershipStore.ts';
import type { WorkspaceRow, WorkspaceStore } from './WorkspaceStore.ts';
import type { SupportAccess } from './WorkspaceAccessStore.ts';

/**
 * An operator's active support grant for the workspace of this request, set by the support
 * middleware (support/supportRoutes.ts) before the workspace routes run; unset for
 * everyone else. The middleware audits every request made under it.
 */
export interface SupportRequestAccess extends SupportAccess {
  readonly workspaceId: string;
  /** `viewer` for a read grant, `agent` for a write grant. */
  readonly role: Role;
}

declare module 'hono' {
  interface ContextVariableMap {
    supportAccess: SupportRequestAccess | undefined;
  }
}

export interface MemberRequest {
  auth: AuthContext;
  workspace: WorkspaceRow;
  role: Role;
  /** Set when the caller is an operator acting under a support grant, not a member. */
  support: SupportRequestAccess | null;
}

/**
 * The stores a member request reads, on their async interfaces (issue 19: PostgreSQL may
 * answer); part of `Services.control`, built once in createServices.
 */
export interface MemberStores {
  readonly workspaces: Pick<AsyncStore<WorkspaceStore>, 'bySlug'>;
  readonly memberships: Pick<AsyncStore<MembershipStore>, 'roleOf'>;
}

/** What callers pass: the services object, whose `control` holds the stores. */
export interface MemberRequestDeps {
  readonly control: MemberStores;
}

/**
 * The caller and their role in the workspace named by the `:slug` parameter. A workspace
 * the caller is not a member of answers 404 exactly like one that does not exist, so slugs
 * cannot be probed; operators are no exception (terms §3) unless the owner or an admin
 * granted support access, in a browser session: then the grant's role (viewer or agent).
 */
export async function memberRequest(ctx: MemberRequestDeps, c: Context): Promise<MemberRequest> {
  const auth = authOf(c);
  const { workspaces, memberships } = ctx.control;
  const workspace = await workspaces.bySlug(c.req.param('slug') ?? '');
  const notFound = () =>
    AppError.notFound('No workspace at this address, or you are not a member.');
  if (!workspace || !tokenAllowsWorkspace(auth, workspace.id)) throw notFound();
  const memberRole = await memberships.roleOf(workspace.id, auth.user.id);
  const support = memberRole ? null : supportAccessOf(c, auth, workspace.id);
  const role = memberRole ?? support?.role;
  if (!role) throw notFound();
  return { auth, workspace, role, support };
}

/** The support grant the middleware found for this workspace: browser sessions only. */
function supportAccessOf(
  c: Context,
  auth: AuthContext,
  workspaceId: string,
): SupportRequestAccess | null {
  const support = c.get('supportAccess');
  return support && support.workspaceId === workspaceId && auth.session ? support : null;
}

/** As `memberRequest`, for owners and admins only, with a browser session. */
export async function managerRequest(ctx: MemberRequestDeps, c: Context): Promise<MemberRequest> {
  const request = await memberRequest(ctx, c);
  if (!canManageMembers(request.role)) {
    throw AppError.forbidden('Only the owner and admins can manage members and invitations.');
  }
  if (!request.auth.session) {
    throw AppError.forbidden('Managing members needs a browser session, not an access token.');
  }
  return request;
}

/** The owner only, with a browser session. */
export async function ownerRequest(ctx: MemberRequestDeps, c: Context): Promise<MemberRequest> {
  const request = await memberRequest(ctx, c);
  if (request.role !== 'owner' || !request.auth.session) {
    throw AppError.forbidden('Only the workspace owner can do this.');
  }
  return request;
}
