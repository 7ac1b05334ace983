import { ErrorCode } from '@desk/protocol';
import type { Config } from '../config/config.ts';
import { isAllowedOrigin } from '../http/allowedOrigins/index.ts';
import type { AuthContext, AuthFailure } from './AuthContext.ts';
import { tokenFailure, type CredentialStores } from './middleware.ts';
import { sessionTokenFromCookieHeader } from './sessionCookie.ts';

export interface UpgradeCredentials {
  /** The raw `Cookie` header of the upgrade request. */
  readonly cookieHeader: string | undefined;
  /** The `Origin` header of the upgrade request. */
  readonly origin: string | undefined;
  /** A personal access token from the query string (`?token=`), for tools and bots. */
  readonly token: string | undefined;
}

/**
 * Authenticates a WebSocket upgrade. Browsers attach cookies to cross-site WebSocket
 * handshakes and SameSite=Lax does not stop them (cross-site WebSocket hijacking), so a
 * cookie session counts only with an Origin equal to PUBLIC_URL's. A query token is judged
 * alone, like a Bearer header on REST.
 */
export async function authenticateUpgrade(
  deps: { readonly config: Config; readonly control: CredentialStores },
  credentials: UpgradeCredentials,
): Promise<AuthContext | AuthFailure> {
  if (credentials.token !== undefined) {
    const result = await deps.control.tokens.validate(credentials.token);
    if (result.kind !== 'valid') return tokenFailure(result.kind);
    return { user: result.user, session: null, token: result.token };
  }

  const sessionToken = sessionTokenFromCookieHeader(credentials.cookieHeader);
  if (sessionToken === undefined) {
    return { failure: ErrorCode.unauthenticated, message: 'Please log in.' };
  }
  if (!isAllowedOrigin(deps.config, credentials.origin)) {
    return {
      failure: ErrorCode.foreignOrigin,
      message: 'This connection came from another site and was refused.',
    };
  }
  const result = await deps.control.sessions.validate(sessionToken, { renew: false });
  switch (result.kind) {
    case 'valid':
      return { user: result.session.user, session: { id: result.session.id }, token: null };
    case 'suspended':
      return tokenFailure('suspended');
    case 'invalid':
      return {
        failure: ErrorCode.sessionExpired,
        message: 'Your session has ended. Please log in again.',
      };
    default: {
      const unreachable: never = result;
      return unreachable;
    }
  }
}
