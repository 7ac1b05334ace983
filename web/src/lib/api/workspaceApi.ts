import type {
  AcceptInvitationRequest,
  AcceptInvitationResponse,
  AuditList,
  CreateWorkspaceRequest,
  HostInfo,
  InvitableRole,
  InvitationList,
  InvitationPreview,
  InvitationResponse,
  InviteRequest,
  MemberList,
  SeatsResponse,
  WorkspaceList,
  WorkspacePayload,
} from '@desk/protocol';
import { api, type ApiRequest } from './api.ts';

/** What a read may be given: the signal that abandons it when its page is left. */
type Read = Pick<ApiRequest, 'signal'>;

const ws = (slug: string) => `/api/workspaces/${encodeURIComponent(slug)}`;

/** Typed calls to the workspace routes (`/api/workspaces/*`, `/api/invitations/*`, `/api/host`). */
export const workspaceApi = {
  list: () => api<WorkspaceList>('/api/workspaces'),
  get: (slug: string, read: Read = {}) => api<WorkspacePayload>(ws(slug), read),
  rename: (slug: string, name: string) =>
    api<WorkspacePayload>(ws(slug), { method: 'PATCH', body: { name } }),
  create: (body: CreateWorkspaceRequest) =>
    api<WorkspacePayload>('/api/workspaces', { method: 'POST', body }),
  seats: (slug: string, read: Read = {}) => api<SeatsResponse>(`${ws(slug)}/seats`, read),
  audit: (slug: string, read: Read = {}) => api<AuditList>(`${ws(slug)}/audit`, read),
  changeRole: (slug: string, userId: string, role: InvitableRole) =>
    api<MemberList>(`${ws(slug)}/members/${encodeURIComponent(userId)}`, {
      method: 'PATCH',
      body: { role },
    }),
  removeMember: (slug: string, userId: string) =>
    api<MemberList>(`${ws(slug)}/members/${encodeURIComponent(userId)}`, { method: 'DELETE' }),
  transferOwnership: (slug: string, userId: string) =>
    api<MemberList>(`${ws(slug)}/transfer-ownership`, { method: 'POST', body: { userId } }),
  invitations: (slug: string, read: Read = {}) =>
    api<InvitationList>(`${ws(slug)}/invitations`, read),
  invite: (slug: string, body: InviteRequest) =>
    api<InvitationResponse>(`${ws(slug)}/invitations`, { method: 'POST', body }),
  resendInvitation: (slug: string, id: string) =>
    api<InvitationResponse>(`${ws(slug)}/invitations/${encodeURIComponent(id)}/resend`, {
      method: 'POST',
      body: {},
    }),
  revokeInvitation: (slug: string, id: string) =>
    api<InvitationResponse>(`${ws(slug)}/invitations/${encodeURIComponent(id)}`, {
      method: 'DELETE',
    }),
  lookupInvitation: (token: string) =>
    api<InvitationPreview>('/api/invitations/lookup', { method: 'POST', body: { token } }),
  acceptInvitation: (body: AcceptInvitationRequest) =>
    api<AcceptInvitationResponse>('/api/invitations/accept', { method: 'POST', body }),
  host: () => api<HostInfo>('/api/host'),
};
