import { EventEmitter } from 'node:events';

/**
 * Changes that take access away (or change it) and must reach live connections at once.
 * Accounts and workspaces emit them; the sync engine listens and closes or downgrades the
 * affected subscriptions. Emitters never need to know where a socket lives: today every
 * socket lives in this process; with several server processes (not available yet, see
 * config's REDIS_URL) these events are what the fan-out must relay.
 */
export interface AccessEventMap {
  /** Sessions ended (logout, revoke, password change, report of unauthorized use). */
  sessionsRevoked: [{ sessionIds: readonly string[] }];
  /** Personal access tokens revoked or expired. */
  tokensRevoked: [{ tokenIds: readonly string[] }];
  /** A user's role in a workspace changed, or the membership was removed (role null). */
  membershipChanged: [{ workspaceId: string; userId: string; role: string | null }];
  /** A user account was suspended: all of its sessions and tokens stop working. */
  userSuspended: [{ userId: string }];
  /** A workspace's subscription state changed (e.g. became read-only or was terminated). */
  workspaceStateChanged: [{ workspaceId: string }];
  /**
   * A terms version came into force: these users have not accepted it and may not sync until
   * they do (issue 16); their sockets close with 4451 `terms_not_accepted`.
   */
  termsRequired: [{ userIds: readonly string[] }];
  /**
   * The operator disabled or re-enabled an item of a workspace (terms §4). Subscriptions of
   * `disabledDocIds` end with `content_disabled` and `reason` (on /yjs: close 4452); every
   * connection with a document of the workspace gets `items`, the full disabled list now.
   */
  moderationChanged: [
    {
      workspaceId: string;
      disabledDocIds: readonly string[];
      reason: string;
      items: readonly { itemKey: string; reason: string }[];
    },
  ];
}

export class AccessEvents extends EventEmitter<AccessEventMap> {}
