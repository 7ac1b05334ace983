import type { Me } from '@desk/protocol';
import type { AuthContext } from '../identity/AuthContext.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { UserStore } from '../identity/UserStore.ts';
import type { TermsStore } from '../terms/TermsStore.ts';
import type { WorkspaceStore } from '../workspaces/WorkspaceStore.ts';

/** The body of `GET /api/auth/me` (and of a successful login or sign-up): `Me` of the protocol. */
export type MePayload = Me;

export async function mePayload(
  deps: {
    readonly control: {
      readonly users: AsyncStore<UserStore>;
      readonly workspaces: AsyncStore<WorkspaceStore>;
      readonly terms: AsyncStore<TermsStore>;
    };
  },
  auth: AuthContext,
): Promise<MePayload> {
  const user = await deps.control.users.byId(auth.user.id);
  if (!user) throw new Error(`authenticated user ${auth.user.id} has no row`);
  let workspaces = await deps.control.workspaces.ofUser(user.id);
  if (auth.token) {
    const scope = auth.token.workspaceId;
    workspaces = workspaces.filter((w) => w.id === scope);
  }
  const { terms } = deps.control;
  const inForce = await terms.inForce();
  const acceptedUpTo = await terms.acceptedBy(user.id);
  const upcoming = await terms.upcoming();
  const required = (await terms.blocking(user.id)) !== null;
  return {
    user: {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      phone: user.phone,
      platformRole: user.platformRole,
    },
    workspaces,
    terms: {
      currentVersion: String(inForce.version),
      accepted: acceptedUpTo >= inForce.version,
      required,
      upcoming:
        upcoming && acceptedUpTo < upcoming.version
          ? { version: String(upcoming.version), effectiveAt: upcoming.effectiveAt }
          : null,
    },
    via: auth.token ? 'token' : 'session',
  };
}
