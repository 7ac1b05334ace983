import type { Context, Hono, MiddlewareHandler } from 'hono';
import { ErrorCode } from '@desk/protocol';
import type { Config } from '../config/config.ts';
import { AppError } from '../http/AppError.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { AccessTokenStore } from './AccessTokenStore.ts';
import { isAllowedOrigin } from '../http/allowedOrigins/index.ts';
import type { AuthContext, AuthFailure } from './AuthContext.ts';
import type { SessionStore } from './SessionStore.ts';
import { clearSessionCookie, readSessionCookie, setSessionCookie } from './sessionCookie.ts';

/**
 * Sets `c.var.auth` (and `c.var.authFailure`) on every request, then refuses
 * state-changing requests from foreign origins. Install before every route that reads
 * `c.var.auth`: Hono runs middleware in the order it was added.
 */
export function installAuthContext(app: Hono, deps: AuthContextDeps): void {
  app.use('*', authContextMiddleware(deps));
  app.use('*', originCheck(deps));
}

/** The stores that tell who a request or an upgrade is from (async: PostgreSQL may answer). */
export interface CredentialStores {
  readonly sessions: AsyncStore<SessionStore>;
  readonly tokens: AsyncStore<AccessTokenStore>;
}

/** What the auth middleware uses (built once in createServices). */
export interface AuthContextDeps {
  readonly config: Config;
  readonly control: CredentialStores;
  /**
   * Path prefixes let through the Origin check. Only for endpoints that prove the sender
   * another way and never act on a cookie (e.g. signed billing webhooks).
   */
  readonly originCheckExemptions: readonly string[];
}

export function authContextMiddleware({
  config,
  control: { sessions, tokens },
}: Pick<AuthContextDeps, 'config' | 'control'>): MiddlewareHandler {
  return async (c, next) => {
    c.set('auth', null);
    c.set('authFailure', null);
    // Hashed assets never need to know who asks; skip the database for them.
    if (c.req.path.startsWith('/_app/')) return next();

    const bearer = bearerToken(c);
    if (bearer !== undefined) {
      // A request with a token is judged by the token alone, never by a cookie beside it.
      const result = await tokens.validate(bearer);
      if (result.kind === 'valid') {
        c.set('auth', { user: result.user, session: null, token: result.token });
      } else {
        c.set('authFailure', tokenFailure(result.kind));
      }
      return next();
    }

    const cookieToken = readSessionCookie(c);
    if (cookieToken !== undefined) {
      const result = await sessions.validate(cookieToken);
      if (result.kind === 'valid') {
        const { session } = result;
        c.set('auth', { user: session.user, session: { id: session.id }, token: null });
        if (session.renewed) setSessionCookie(c, config, cookieToken, session.expiresAt);
      } else {
        clearSessionCookie(c, config);
        c.set(
          'authFailure',
          result.kind === 'suspended'
            ? suspendedFailure
            : {
                failure: ErrorCode.sessionExpired,
                message: 'Your session has ended. Please log in again.',
              },
        );
      }
    }
    return next();
  };
}

const suspendedFailure: AuthFailure = {
  failure: ErrorCode.accountSuspended,
  message: 'This account is suspended. Contact the operator of this service.',
};

export function tokenFailure(kind: 'invalid' | 'expired' | 'suspended'): AuthFailure {
  switch (kind) {
    case 'invalid':
      return { failure: ErrorCode.tokenInvalid, message: 'The access token is not valid.' };
    case 'expired':
      return { failure: ErrorCode.tokenExpired, message: 'The access token has expired.' };
    case 'suspended':
      return suspendedFailure;
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

function bearerToken(c: Context): string | undefined {
  const header = c.req.header('authorization');
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  // A malformed Authorization header still means "judge me by a token": it fails as one.
  return match?.[1] ?? '';
}

/** Throws the reason the caller is not authenticated (401/403), as an AppError. */
export function failureToError(failure: AuthFailure | null): AppError {
  if (!failure) return AppError.unauthenticated();
  const status = failure.failure === ErrorCode.accountSuspended ? 403 : 401;
  return new AppError(failure.failure, status, failure.message);
}

/** The authenticated caller; throws 401 (or 403 for a suspended account) when there is none. */
export function authOf(c: Context): AuthContext {
  const auth = c.get('auth');
  if (!auth) throw failureToError(c.get('authFailure'));
  return auth;
}

/** Guard: any authenticated caller (session or access token). */
export const requireUser: MiddlewareHandler = async (c, next) => {
  authOf(c);
  await next();
};

/**
 * Guard: a browser session. Account management (password, sessions, tokens) is not for
 * access tokens: a leaked token must not be able to mint more tokens or lock the owner out.
 */
export const requireSession: MiddlewareHandler = async (c, next) => {
  const auth = authOf(c);
  if (!auth.session) {
    throw AppError.forbidden('Access tokens cannot manage the account; log in with a browser.');
  }
  await next();
};

/** Guard: a platform operator logged in with a session (403 otherwise). */
export const requireOperator: MiddlewareHandler = async (c, next) => {
  const auth = authOf(c);
  if (auth.user.platformRole !== 'operator' || !auth.session) {
    throw AppError.forbidden('Only operators of this service can do this.');
  }
  await next();
};

const stateChanging = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF defence: a state-changing request must carry `Origin` equal to PUBLIC_URL's origin
 * (see `allowedOrigins` for loopback), or a workspace host `<slug>.<BASE_DOMAIN>`.
 * Requests with `Authorization: Bearer` are exempt: browsers never attach that header
 * across sites, and such requests are judged by the token alone (never by the cookie).
 * Login and sign-up are covered too (login CSRF would sign a victim into our account).
 */
export function originCheck({
  config,
  originCheckExemptions,
}: Pick<AuthContextDeps, 'config' | 'originCheckExemptions'>): MiddlewareHandler {
  return async (c, next) => {
    if (!stateChanging.has(c.req.method)) return next();
    if (c.req.header('authorization') !== undefined) return next();
    const path = c.req.path;
    for (const prefix of originCheckExemptions) {
      if (path.startsWith(prefix)) return next();
    }
    if (!isAllowedOrigin(config, c.req.header('origin'))) {
      throw new AppError(
        ErrorCode.foreignOrigin,
        403,
        'This request came from another site and was refused.',
      );
    }
    return next();
  };
}
