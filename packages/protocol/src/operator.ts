/**
 * REST contract of the operator console's searches (`GET /api/operator/customers` and
 * `/api/operator/users`), shared by the server routes and the web UI. Account information
 * only (terms §3): nothing here describes workspace content.
 */
import type { SubscriptionState, WorkspaceReadOnlyReason } from './workspaces.ts';

export type AccountStatus = 'active' | 'suspended';

export interface CustomerWorkspace {
  id: string;
  slug: string;
  name: string;
  plan: { id: string; name: string };
  state: SubscriptionState;
  readOnlyReason: WorkspaceReadOnlyReason | null;
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
    status: AccountStatus;
  };
  workspaces: CustomerWorkspace[];
}

export interface CustomerSearchResponse {
  customers: CustomerSummary[];
  total: number;
}

export interface UserSummary {
  id: string;
  email: string;
  displayName: string;
  phone: string | null;
  status: AccountStatus;
  platformRole: 'operator' | null;
  createdAt: number;
  workspaceCount: number;
}

export interface UserSearchResponse {
  users: UserSummary[];
  total: number;
}
