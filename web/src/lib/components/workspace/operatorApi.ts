import type {
  CustomerSearchResponse,
  CustomerSummary,
  CustomerWorkspace,
  SubscriptionState,
  UserSearchResponse,
  UserSummary,
} from '@desk/protocol';
import { api } from '$lib/api/api.ts';
import type { AuditEntry } from './workspaceApi.ts';

export interface Plan {
  id: string;
  name: string;
  paid: boolean;
  seatLimit: number;
  storageQuotaBytes: number;
  documentSizeLimitBytes: number;
  snapshotRetentionDays: number;
  trialDays: number | null;
}

// The search results are a contract with the server, declared once in @desk/protocol.
export type { CustomerSummary, CustomerWorkspace, UserSummary };

const q = (query: string) => `?q=${encodeURIComponent(query)}&limit=100`;

/** The operator console's calls: account information only, never workspace content. */
export const operatorApi = {
  plans: () => api<{ plans: Plan[] }>('/api/operator/plans'),
  customers: (query: string) => api<CustomerSearchResponse>(`/api/operator/customers${q(query)}`),
  users: (query: string) => api<UserSearchResponse>(`/api/operator/users${q(query)}`),
  changeSubscription: (
    workspaceId: string,
    body: { planId?: string; seatLimit?: number | null; trialEndsAt?: number },
  ) =>
    api<{ ok: true }>(`/api/operator/workspaces/${encodeURIComponent(workspaceId)}/subscription`, {
      method: 'PATCH',
      body,
    }),
  setState: (workspaceId: string, state: Exclude<SubscriptionState, 'trialing'>, note?: string) =>
    api<{ changed: boolean }>(`/api/operator/workspaces/${encodeURIComponent(workspaceId)}/state`, {
      method: 'POST',
      body: { state, ...(note ? { note } : {}) },
    }),
  suspendUser: (userId: string, note?: string) =>
    api<{ ok: true }>(`/api/operator/users/${encodeURIComponent(userId)}/suspend`, {
      method: 'POST',
      body: note ? { note } : {},
    }),
  reinstateUser: (userId: string) =>
    api<{ ok: true }>(`/api/operator/users/${encodeURIComponent(userId)}/reinstate`, {
      method: 'POST',
      body: {},
    }),
  audit: () => api<{ entries: AuditEntry[] }>('/api/operator/audit'),
};
