import type { Me } from '@desk/protocol';
import type { AuthContext } from '../identity/AuthContext.ts';
import type { UserStore } from '../identity/UserStore.ts';
import type { TermsStore } from '../terms/TermsStore.ts';
import type { WorkspaceStore } from '../workspaces/WorkspaceStore.ts';

/** The body of `GET /api/auth/me` (and of a successful login or sign-up): `Me` of the protocol. */
export type MePayload = Me;

export function mePayload(
  deps: {
    readonly users: UserStore;
    readonly workspaces: WorkspaceStore;
    readonly terms: TermsStore;
  },
  auth: AuthContext,
): MePayload {
  const user = deps.users.byId(auth.user.id);
  if (!user) throw new Error(`authenticated user ${auth.user.id} has no row`);
  let workspaces = deps.workspaces.ofUser(user.id);
  if (auth.token) {
    const scope = auth.token.workspaceId;
    workspaces = workspaces.filter((w) => w.id === scope);
  }
  const { terms } = deps;
  const inForce = terms.inForce();
  const acceptedUpTo = terms.acceptedBy(user.id);
  const upcoming = terms.upcoming();
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
      required: terms.blocking(user.id) !== null,
      upcoming:
        upcoming && acceptedUpTo < upcoming.version
          ? { version: String(upcoming.version), effectiveAt: upcoming.effectiveAt }
          : null,
    },
    via: auth.token ? 'token' : 'session',
  };
}
