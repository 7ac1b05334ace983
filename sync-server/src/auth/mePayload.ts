import type { SqliteDatabase } from '../db/Database.ts';
import type { AuthContext } from './AuthContext.ts';
import { CURRENT_TERMS_VERSION } from './terms.ts';
import { readUser, workspacesOfUser, type WorkspaceOfUser } from './users.ts';

/** The body of `GET /api/auth/me` (and of a successful login or sign-up). */
export interface MePayload {
  user: {
    id: string;
    email: string;
    displayName: string;
    phone: string | null;
    platformRole: 'operator' | null;
  };
  /** Workspaces the caller may use; an access token sees only its own. */
  workspaces: WorkspaceOfUser[];
  /** The terms version in force and whether this user has accepted it. */
  terms: { currentVersion: string; accepted: boolean };
  /** How the caller authenticated. */
  via: 'session' | 'token';
}

export function mePayload(db: SqliteDatabase, auth: AuthContext): MePayload {
  const user = readUser(db, auth.user.id);
  if (!user) throw new Error(`authenticated user ${auth.user.id} has no row`);
  let workspaces = workspacesOfUser(db, user.id);
  if (auth.token) {
    const scope = auth.token.workspaceId;
    workspaces = workspaces.filter((w) => w.id === scope);
  }
  const accepted = db
    .prepare('SELECT 1 FROM terms_acceptances WHERE user_id = ? AND version = ?')
    .get(user.id, CURRENT_TERMS_VERSION);
  return {
    user: {
      id: user.id,
      email: user.email,
      displayName: user.display_name,
      phone: user.phone,
      platformRole: user.platform_role,
    },
    workspaces,
    terms: { currentVersion: CURRENT_TERMS_VERSION, accepted: accepted !== undefined },
    via: auth.token ? 'token' : 'session',
  };
}
