import type { ErrorCode } from '@desk/protocol';

/** The account behind a request, as every module sees it. */
export interface AuthUser {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly platformRole: 'operator' | null;
  readonly status: 'active' | 'suspended';
}

/**
 * Who is making this request, and how they proved it. Exactly one of `session` (a browser
 * with the session cookie) and `token` (a personal access token, `Authorization: Bearer`
 * or `?token=` on a WebSocket) is set. A token is confined to its one workspace: callers
 * check that with `tokenAllowsWorkspace`.
 */
export interface AuthContext {
  readonly user: AuthUser;
  readonly session: { readonly id: string } | null;
  readonly token: { readonly id: string; readonly workspaceId: string } | null;
}

/** Why a request carrying credentials was not authenticated. */
export interface AuthFailure {
  readonly failure: ErrorCode;
  readonly message: string;
}

export function isAuthFailure(value: AuthContext | AuthFailure): value is AuthFailure {
  return 'failure' in value;
}

/** Whether these credentials may act in the workspace (membership is checked separately). */
export function tokenAllowsWorkspace(auth: AuthContext, workspaceId: string): boolean {
  return auth.token === null || auth.token.workspaceId === workspaceId;
}

/** Hono variables set by the auth middleware on every request. */
export interface AuthVariables {
  /** The authenticated caller, or null. */
  auth: AuthContext | null;
  /** Why credentials that were sent did not authenticate (null: none were sent, or they did). */
  authFailure: AuthFailure | null;
}

/** The Hono environment of this server's apps: `new Hono<AppEnv>()`. */
export interface AppEnv {
  Variables: AuthVariables;
}

declare module 'hono' {
  // Every route in the server sees `c.var.auth` typed, whatever Env its Hono was given.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ContextVariableMap extends AuthVariables {}
}
