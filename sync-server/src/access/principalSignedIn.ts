import type { AccessPrincipal } from './AccessPrincipal.ts';

type Awaitable<T> = T | Promise<T>;

/**
 * What the check reads: the user's status, their live sessions and their unrevoked tokens.
 * The synchronous SQLite stores and the async ones (`AsyncStore<…>`, PostgreSQL) both fit.
 */
export interface SignInStores {
  readonly users: { byId(id: string): Awaitable<{ readonly status: string } | undefined> };
  readonly sessions: { listForUser(userId: string): Awaitable<readonly { readonly id: string }[]> };
  readonly tokens: {
    listForUser(
      userId: string,
    ): Awaitable<readonly { readonly id: string; readonly expiresAt: number | null }[]>;
  };
}

/**
 * Whether a socket's principal may still be signed in, read from the store (for
 * `recheckAccess`, after access events were missed): the user exists and is not suspended,
 * and its session is live (not ended, not expired) or its token is neither revoked nor
 * expired. Memberships are the next step's (`reauthorize`), not this one's.
 */
export function principalSignedIn(
  stores: SignInStores,
  now: () => number,
): (principal: AccessPrincipal) => Promise<boolean> {
  return async ({ userId, sessionId, tokenId }) => {
    const user = await stores.users.byId(userId);
    if (!user || user.status === 'suspended') return false;
    if (sessionId !== null) {
      return (await stores.sessions.listForUser(userId)).some((s) => s.id === sessionId);
    }
    if (tokenId !== null) {
      const token = (await stores.tokens.listForUser(userId)).find((t) => t.id === tokenId);
      return token !== undefined && (token.expiresAt === null || now() < token.expiresAt);
    }
    return false;
  };
}
