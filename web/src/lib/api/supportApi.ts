import type {
  CreateSupportGrantRequest,
  OperatorSupportGrantList,
  SupportGrantList,
  SupportGrantResponse,
} from '@desk/protocol';
import { api } from './api.ts';

const grantsPath = (slug: string) => `/api/workspaces/${encodeURIComponent(slug)}/support-grants`;

/** Support-access grants (terms §3): the workspace's side (owners, admins) and the operator's. */
export const supportApi = {
  list: (slug: string) => api<SupportGrantList>(grantsPath(slug)),
  create: (slug: string, body: CreateSupportGrantRequest) =>
    api<SupportGrantResponse>(grantsPath(slug), { method: 'POST', body }),
  revoke: (slug: string, grantId: string) =>
    api<SupportGrantResponse>(`${grantsPath(slug)}/${encodeURIComponent(grantId)}`, {
      method: 'DELETE',
    }),
  /** The workspaces the operator may open now. */
  operatorGrants: () => api<OperatorSupportGrantList>('/api/operator/support-grants'),
};
