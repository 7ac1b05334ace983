/**
 * Who a live connection acts for, as access checks see it: the user and the session or
 * token behind the socket. The sync engine's `Principal` has this shape; access/ declares
 * its own so that it does not depend on sync/ (which depends on access/).
 */
export interface AccessPrincipal {
  readonly userId: string;
  /** The browser session behind the socket, or null for a token. */
  readonly sessionId: string | null;
  /** The personal access token behind the socket, or null for a login session. */
  readonly tokenId: string | null;
}
