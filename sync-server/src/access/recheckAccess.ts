import type { AccessPrincipal } from './AccessPrincipal.ts';

/** What a recheck needs of a live socket (SocketConnection has all of it). */
export interface RecheckedConnection {
  readonly principal: AccessPrincipal;
  /** Closes the socket: its session or token is no longer valid (4402). */
  revoke(): void;
  /** The workspaces it has, or is asking for, documents of. */
  workspaceIds(): Iterable<string>;
  /** Authorizes the workspace again; ends or downgrades its subscriptions on a change. */
  reauthorize(workspaceId: string): Promise<void>;
}

export interface RecheckResult {
  readonly revoked: number;
  readonly reauthorized: number;
  /** Connections whose principal could not be checked (the store failed): left as they are. */
  readonly unchecked: number;
}

/**
 * Access events were missed (the cluster's access channel was cut, or Redis restarted
 * empty): every open socket is checked against the store as if each possible event had
 * arrived — its session or token still valid, else closed; every workspace it has documents
 * of authorized again (membership, role, subscription state, disabled items). An event that
 * was not missed is then applied twice, which changes nothing.
 *
 * A principal whose check throws (the database is away) keeps its socket: closing every
 * socket of the cluster on a database blip would be worse than a late revocation, and the
 * next reconnect of the channel, or the socket's next upgrade, checks again.
 */
export async function recheckAccess(
  connections: Iterable<RecheckedConnection>,
  stillSignedIn: (principal: AccessPrincipal) => Promise<boolean>,
  failed: (error: unknown) => void = () => undefined,
): Promise<RecheckResult> {
  let revoked = 0;
  let reauthorized = 0;
  let unchecked = 0;
  await Promise.all(
    [...connections].map(async (connection) => {
      let signedIn: boolean;
      try {
        signedIn = await stillSignedIn(connection.principal);
      } catch (error) {
        unchecked++;
        failed(error);
        return;
      }
      if (!signedIn) {
        revoked++;
        connection.revoke();
        return;
      }
      for (const workspaceId of [...connection.workspaceIds()]) {
        reauthorized++;
        await connection.reauthorize(workspaceId);
      }
    }),
  );
  return { revoked, reauthorized, unchecked };
}
