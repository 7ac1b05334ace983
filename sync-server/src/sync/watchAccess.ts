import { CloseCode, ErrorCode } from '@desk/protocol';
import type { AccessEvents } from '../access/AccessEvents.ts';
import type { SocketSession } from './SocketSession.ts';

export interface SessionIndex {
  all(): Iterable<SocketSession>;
  ofUser(userId: string): Iterable<SocketSession>;
}

/**
 * Access changes reach live sockets at once: revoked sessions, tokens and suspended users
 * close the socket with 4402; membership and workspace-state changes re-authorize the
 * affected subscriptions, which end (`access_revoked`) or change access on the spot; users
 * who must accept new terms first have their sockets closed with 4451 `terms_not_accepted`.
 * Returns a function that stops listening.
 */
export function watchAccess(access: AccessEvents, sessions: SessionIndex): () => void {
  const onSessions = ({ sessionIds }: { sessionIds: readonly string[] }) => {
    const ids = new Set(sessionIds);
    for (const session of [...sessions.all()]) {
      const sessionId = session.principal.sessionId;
      if (sessionId !== null && ids.has(sessionId)) session.revoke();
    }
  };
  const onTokens = ({ tokenIds }: { tokenIds: readonly string[] }) => {
    const ids = new Set(tokenIds);
    for (const session of [...sessions.all()]) {
      const tokenId = session.principal.tokenId;
      if (tokenId !== null && ids.has(tokenId)) session.revoke();
    }
  };
  const onSuspended = ({ userId }: { userId: string }) => {
    for (const session of [...sessions.ofUser(userId)]) session.revoke();
  };
  const onMembership = ({ workspaceId, userId }: { workspaceId: string; userId: string }) => {
    for (const session of [...sessions.ofUser(userId)]) {
      if (session.hasWorkspace(workspaceId)) void session.reauthorize(workspaceId);
    }
  };
  const onWorkspace = ({ workspaceId }: { workspaceId: string }) => {
    for (const session of [...sessions.all()]) {
      if (session.hasWorkspace(workspaceId)) void session.reauthorize(workspaceId);
    }
  };
  const onTerms = ({ userIds }: { userIds: readonly string[] }) => {
    for (const userId of userIds) {
      for (const session of [...sessions.ofUser(userId)]) {
        session.fail(CloseCode.termsNotAccepted, ErrorCode.termsNotAccepted);
      }
    }
  };
  access.on('sessionsRevoked', onSessions);
  access.on('termsRequired', onTerms);
  access.on('tokensRevoked', onTokens);
  access.on('userSuspended', onSuspended);
  access.on('membershipChanged', onMembership);
  access.on('workspaceStateChanged', onWorkspace);
  return () => {
    access.off('sessionsRevoked', onSessions);
    access.off('termsRequired', onTerms);
    access.off('tokensRevoked', onTokens);
    access.off('userSuspended', onSuspended);
    access.off('membershipChanged', onMembership);
    access.off('workspaceStateChanged', onWorkspace);
  };
}
