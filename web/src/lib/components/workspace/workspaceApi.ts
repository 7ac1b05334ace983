import type {
  ReadOnlyReason,
  SeatLedgerEntry,
  SubscriptionState,
  WorkspaceInvitation as Invitation,
  WorkspaceMember as Member,
  WorkspacePayload,
  WorkspaceRole as Role,
} from '@desk/protocol';
import { api } from '$lib/api/api.ts';

/**
 * Typed calls to the workspace routes (`/api/workspaces/*`, `/api/invitations/*`) and the
 * operator console (`/api/operator/*`). Shapes mirror the server's payloads; the workspace
 * payload is declared once, in @desk/protocol, and re-exported under the UI's short names.
 */
export type {
  Invitation,
  Member,
  ReadOnlyReason,
  Role,
  SeatLedgerEntry,
  SubscriptionState,
  WorkspacePayload,
};

export interface AuditEntry {
  id: number;
  at: number;
  actorKind: 'operator' | 'user' | 'billing' | 'system';
  actorDisplayName: string | null;
  action: string;
  targetKind: string;
  targetId: string;
  workspaceId: string | null;
  details: Record<string, unknown>;
}

export interface InvitationPreview {
  invitation: {
    email: string;
    role: Exclude<Role, 'owner'>;
    invitedByName: string;
    expiresAt: number;
    workspace: { name: string; slug: string };
  };
  accountExists: boolean;
  signedInAs: string | null;
}

const ws = (slug: string) => `/api/workspaces/${encodeURIComponent(slug)}`;

export const workspaceApi = {
  get: (slug: string) => api<WorkspacePayload>(ws(slug)),
  rename: (slug: string, name: string) =>
    api<WorkspacePayload>(ws(slug), { method: 'PATCH', body: { name } }),
  create: (body: { name: string; slug: string }) =>
    api<WorkspacePayload>('/api/workspaces', { method: 'POST', body }),
  seats: (slug: string) =>
    api<{ used: number; limit: number; pendingInvitations: number; history: SeatLedgerEntry[] }>(
      `${ws(slug)}/seats`,
    ),
  audit: (slug: string) => api<{ entries: AuditEntry[] }>(`${ws(slug)}/audit`),
  changeRole: (slug: string, userId: string, role: Exclude<Role, 'owner'>) =>
    api<{ members: Member[] }>(`${ws(slug)}/members/${encodeURIComponent(userId)}`, {
      method: 'PATCH',
      body: { role },
    }),
  removeMember: (slug: string, userId: string) =>
    api<{ members: Member[] }>(`${ws(slug)}/members/${encodeURIComponent(userId)}`, {
      method: 'DELETE',
    }),
  transferOwnership: (slug: string, userId: string) =>
    api<{ members: Member[] }>(`${ws(slug)}/transfer-ownership`, {
      method: 'POST',
      body: { userId },
    }),
  invitations: (slug: string) => api<{ invitations: Invitation[] }>(`${ws(slug)}/invitations`),
  invite: (slug: string, body: { email: string; role: Exclude<Role, 'owner'> }) =>
    api<{ invitation: Invitation }>(`${ws(slug)}/invitations`, { method: 'POST', body }),
  resendInvitation: (slug: string, id: string) =>
    api<{ invitation: Invitation }>(`${ws(slug)}/invitations/${encodeURIComponent(id)}/resend`, {
      method: 'POST',
      body: {},
    }),
  revokeInvitation: (slug: string, id: string) =>
    api<{ invitation: Invitation }>(`${ws(slug)}/invitations/${encodeURIComponent(id)}`, {
      method: 'DELETE',
    }),
  lookupInvitation: (token: string) =>
    api<InvitationPreview>('/api/invitations/lookup', { method: 'POST', body: { token } }),
  acceptInvitation: (body: {
    token: string;
    displayName?: string;
    password?: string;
    acceptTerms?: boolean;
  }) =>
    api<{ workspace: { slug: string }; registered: boolean }>('/api/invitations/accept', {
      method: 'POST',
      body,
    }),
  host: () => api<{ baseDomain: string | null; workspaceSlug: string | null }>('/api/host'),
};

export const roleLabels: Record<Role, string> = {
  owner: 'Owner',
  admin: 'Admin',
  agent: 'Agent',
  viewer: 'Viewer (read-only)',
};

export const stateLabels: Record<SubscriptionState, string> = {
  trialing: 'Trial',
  active: 'Active',
  past_due: 'Payment overdue',
  suspended: 'Suspended',
  terminated: 'Terminated',
};

/** Why a workspace is read-only, in words, with what to do about it. */
export const readOnlyExplanations: Record<ReadOnlyReason, string> = {
  viewer: 'You are a viewer in this workspace: you can read everything but not change it.',
  trial_expired:
    'The trial has ended, so this workspace is read-only. Nothing is deleted; the owner can subscribe to a plan to continue. Exports still work.',
  suspended:
    'This workspace is suspended and read-only. Nothing is deleted; the owner can settle the subscription to reactivate it. Exports still work.',
  terminated:
    'The subscription has ended. The workspace is read-only until its data is deleted at the end of the grace period; export what you need.',
};

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

export const formatDate = (ms: number) => new Date(ms).toLocaleDateString();
export const formatDateTime = (ms: number) => new Date(ms).toLocaleString();
