import type {
  OperatorDeletionList,
  RequestWorkspaceDeletionRequest,
  WorkspaceDeletionStatus,
} from '@desk/protocol';
import { api } from './api.ts';

const path = (slug: string) => `/api/workspaces/${encodeURIComponent(slug)}/deletion`;

/**
 * Typed calls to workspace deletion (issue 16): where it stands (any member, also while the
 * workspace is closed), asking for it (owner, password), cancelling it (owner, 7 days), and
 * the operator console's read-only list of pending and purged workspaces.
 */
export const deletionApi = {
  status: (slug: string) => api<WorkspaceDeletionStatus>(path(slug)),
  request: (slug: string, body: RequestWorkspaceDeletionRequest) =>
    api<WorkspaceDeletionStatus>(path(slug), { method: 'POST', body }),
  cancel: (slug: string) => api<WorkspaceDeletionStatus>(path(slug), { method: 'DELETE' }),
  operatorList: () => api<OperatorDeletionList>('/api/operator/deletions'),
};
