import { api } from '$lib/api/api.ts';
import type { AuditEntry, ReadOnlyReason, SubscriptionState } from './workspaceApi.ts';

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

export interface CustomerWorkspace {
  id: string;
  slug: string;
  name: string;
  plan: { id: string; name: string };
  state: SubscriptionState;
  readOnlyReason: Exclude<ReadOnlyReason, 'viewer'> | null;
  seats: { used: number; limit: number };
  seatLimitOverride: number | null;
  trialEndsAt: number | null;
  deleteAfter: number | null;
}

export interface CustomerSummary {
  id: string;
  kind: 'organization' | 'person';
  name: string;
  createdAt: number;
  owner: {
    id: string;
    displayName: string;
    email: string;
    phone: string | null;
    status: 'active' | 'suspended';
  };
  workspaces: CustomerWorkspace[];
}

export interface UserSummary {
  id: string;
  email: string;
  displayName: string;
  phone: string | null;
  status: 'active' | 'suspended';
  platformRole: 'operator' | null;
  createdAt: number;
  workspaceCount: number;
}

const q = (query: string) => `?q=${encodeURIComponent(query)}&limit=100`;

/** The operator console's calls: account information only, never workspace content. */
export const operatorApi = {
  plans: () => api<{ plans: Plan[] }>('/api/operator/plans'),
  customers: (query: string) =>
    api<{ customers: CustomerSummary[]; total: number }>(`/api/operator/customers${q(query)}`),
  users: (query: string) =>
    api<{ users: UserSummary[]; total: number }>(`/api/operator/users${q(query)}`),
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
