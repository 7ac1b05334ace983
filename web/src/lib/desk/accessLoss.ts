import { CloseCode, DocErrorCode } from '@desk/protocol';
import type { ConnectionStatus } from '$lib/offline/DocSource.ts';

/**
 * Why the server took away this user's right to change an open workspace (issue 18.5): the
 * membership was removed, the role became read-only, the workspace was suspended (or its
 * trial ended), or the session was revoked. From that moment every editor of the page is
 * read-only; what is on this device stays readable.
 */
export const AccessLoss = {
  removed: 'removed',
  /** The workspace is being deleted (issue 16): nothing of it syncs any more. */
  workspaceDeleted: 'workspace_deleted',
  readOnlyRole: 'read_only_role',
  workspaceReadOnly: 'workspace_read_only',
  signedOut: 'signed_out',
} as const;
export type AccessLoss = (typeof AccessLoss)[keyof typeof AccessLoss];

/** The loss a document refusal means, or null for refusals that leave access as it was. */
export function accessLossOfRefusal(code: DocErrorCode): AccessLoss | null {
  switch (code) {
    case DocErrorCode.notMember:
    case DocErrorCode.accessRevoked:
      return AccessLoss.removed;
    case DocErrorCode.workspaceDeleted:
      return AccessLoss.workspaceDeleted;
    case DocErrorCode.readOnlyRole:
      return AccessLoss.readOnlyRole;
    case DocErrorCode.workspaceReadOnly:
      return AccessLoss.workspaceReadOnly;
    default:
      return null;
  }
}

/** The loss a connection state means: the server closed the socket for an ended session. */
export function accessLossOfStatus(status: ConnectionStatus): AccessLoss | null {
  if (status.kind !== 'error') return null;
  const code = status.error?.code;
  return code === CloseCode.sessionRevoked || code === CloseCode.unauthenticated
    ? AccessLoss.signedOut
    : null;
}

/** What the page says while the loss holds (the status bar says what it means for syncing). */
export const accessLossWords: Record<AccessLoss, string> = {
  removed: 'Your access to this workspace ended: you can read what is here, not change it.',
  workspace_deleted: 'This workspace is being deleted: nothing of it can be changed any more.',
  read_only_role: 'Your role is now read-only: you can read everything, not change it.',
  workspace_read_only:
    'This workspace became read-only (suspended or trial ended): you can look, not change.',
  signed_out: 'Your session ended: log in again to make changes.',
};
