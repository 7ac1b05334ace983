import { TicketSearchQuery, TicketSearchResponse } from '@desk/protocol/rest';
import { ok, type RouteDoc } from '../http/openapi/routeDoc.ts';

/** Server-side full-text search, for the tickets a device does not hold. */
export const searchRoutes: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/workspaces/{slug}/search',
    summary:
      'Full-text search over the workspace’s live tickets (title, number, requester, tags, description, comments and notes) on the server, for tickets this device does not hold. Every word must match, the last as a prefix; the input is words, never query syntax. Best match first. Members only.',
    auth: 'member',
    query: TicketSearchQuery,
    responses: {
      200: ok('Hits: ticket id, number, title and a plain-text snippet.', TicketSearchResponse),
      400: '`validation_failed`: `q` too long or `limit` out of range.',
    },
  },
];
