import { WorkspaceUsageResponse } from '@desk/protocol/rest';
import { ok, type RouteDoc } from '../http/openapi/routeDoc.ts';

/** A workspace's use of the limits of its plan. */
export const usageRoutes: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/workspaces/{slug}/usage',
    summary:
      'The workspace’s use of each limit of its plan (largest document against the per-document limit, attachment storage, seats, tickets), documents’ total size, and whether a new ticket fits now. Members only.',
    auth: 'member',
    responses: { 200: ok('The usage.', WorkspaceUsageResponse) },
  },
];
