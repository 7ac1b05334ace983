import type {
  AuditList,
  ChangeStateResponse,
  ChangeSubscriptionRequest,
  CustomerSearchResponse,
  Ok,
  PlanList,
  SubscriptionState,
  UserSearchResponse,
} from '@desk/protocol';
import { api } from './api.ts';

const q = (query: string) => `?q=${encodeURIComponent(query)}&limit=100`;

/** The operator console's calls: account information only, never workspace content. */
export const operatorApi = {
  plans: () => api<PlanList>('/api/operator/plans'),
  customers: (query: string) => api<CustomerSearchResponse>(`/api/operator/customers${q(query)}`),
  users: (query: string) => api<UserSearchResponse>(`/api/operator/users${q(query)}`),
  changeSubscription: (workspaceId: string, body: ChangeSubscriptionRequest) =>
    api<Ok>(`/api/operator/workspaces/${encodeURIComponent(workspaceId)}/subscription`, {
      method: 'PATCH',
      body,
    }),
  setState: (workspaceId: string, state: Exclude<SubscriptionState, 'trialing'>, note?: string) =>
    api<ChangeStateResponse>(`/api/operator/workspaces/${encodeURIComponent(workspaceId)}/state`, {
      method: 'POST',
      body: { state, ...(note ? { note } : {}) },
    }),
  suspendUser: (userId: string, note?: string) =>
    api<Ok>(`/api/operator/users/${encodeURIComponent(userId)}/suspend`, {
      method: 'POST',
      body: note ? { note } : {},
    }),
  reinstateUser: (userId: string) =>
    api<Ok>(`/api/operator/users/${encodeURIComponent(userId)}/reinstate`, {
      method: 'POST',
      body: {},
    }),
  audit: () => api<AuditList>('/api/operator/audit'),
};
