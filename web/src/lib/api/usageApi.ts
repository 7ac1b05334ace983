import type { WorkspaceUsageResponse } from '@desk/protocol';
import { api } from './api.ts';

/** The workspace's use of each limit of its plan (`GET /api/workspaces/:slug/usage`). */
export function fetchUsage(slug: string): Promise<WorkspaceUsageResponse> {
  return api<WorkspaceUsageResponse>(`/api/workspaces/${encodeURIComponent(slug)}/usage`);
}
