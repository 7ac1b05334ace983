import { CloseCode, ErrorCode } from '@desk/protocol';
import type { AccessEventMap, AccessEvents } from '../access/AccessEvents.ts';
import type { SocketConnection } from './SocketConnection.ts';

export interface ConnectionIndex {
  all(): Iterable<SocketConnection>;
  ofUser(userId: string): Iterable<SocketConnection>;
}

/**
 * Access changes reach live sockets at once: revoked sessions, tokens and suspended users
 * close the socket with 4402; membership and workspace-state changes re-authorize the
 * affected subscriptions, which end (`access_revoked`) or change access on the spot; users
 * who must accept new terms first have their sockets closed with 4451 `terms_not_accepted`.
 * Returns a function that stops listening.
 */
export function watchAccess(access: AccessEvents, connections: ConnectionIndex): () => void {
  const onSessions = ({ sessionIds }: { sessionIds: readonly string[] }) => {
    const ids = new Set(sessionIds);
    for (const connection of [...connections.all()]) {
      const sessionId = connection.principal.sessionId;
      if (sessionId !== null && ids.has(sessionId)) connection.revoke();
    }
  };
  const onTokens = ({ tokenIds }: { tokenIds: readonly string[] }) => {
    const ids = new Set(tokenIds);
    for (const connection of [...connections.all()]) {
      const tokenId = connection.principal.tokenId;
      if (tokenId !== null && ids.has(tokenId)) connection.revoke();
    }
  };
  const onSuspended = ({ userId }: { userId: string }) => {
    for (const connection of [...connections.ofUser(userId)]) connection.revoke();
  };
  const onMembership = ({ workspaceId, userId }: { workspaceId: string; userId: string }) => {
    for (const connection of [...connections.ofUser(userId)]) {
      if (connection.hasWorkspace(workspaceId)) void connection.reauthorize(workspaceId);
    }
  };
  const onWorkspace = ({ workspaceId }: { workspaceId: string }) => {
    for (const connection of [...connections.all()]) {
      if (connection.hasWorkspace(workspaceId)) void connection.reauthorize(workspaceId);
    }
  };
  const onTerms = ({ userIds }: { userIds: readonly string[] }) => {
    for (const userId of userIds) {
      for (const connection of [...connections.ofUser(userId)]) {
        connection.fail(CloseCode.termsNotAccepted, ErrorCode.termsNotAccepted);
      }
    }
  };
  access.on('sessionsRevoked', onSessions);
  access.on('termsRequired', onTerms);
  access.on('tokensRevoked', onTokens);
  access.on('userSuspended', onSuspended);
  access.on('membershipChanged', onMembership);
  access.on('workspaceStateChanged', onWorkspace);
  const onModeration = (event: AccessEventMap['moderationChanged'][0]) => {
    for (const connection of [...connections.all()]) {
      connection.moderationChanged(
        event.workspaceId,
        event.disabledDocIds,
        event.reason,
        event.items,
      );
    }
  };
  access.on('moderationChanged', onModeration);
  return () => {
    access.off('moderationChanged', onModeration);
    access.off('sessionsRevoked', onSessions);
    access.off('termsRequired', onTerms);
    access.off('tokensRevoked', onTokens);
    access.off('userSuspended', onSuspended);
    access.off('membershipChanged', onMembership);
    access.off('workspaceStateChanged', onWorkspace);
  };
}
