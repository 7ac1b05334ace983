import {
  FirstPageQuery,
  FirstPageResponse,
  TicketSearchQuery,
  TicketSearchResponse,
} from '@desk/protocol/rest';
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
  {
    method: 'get',
    path: '/api/workspaces/{slug}/tickets/first-page',
    summary:
      'The first rows of the default ticket list (live tickets, newest change first; the list’s columns only) from the server’s projection, for a new device to paint before the workspace index has synced. Only tickets the hot index holds; seconds behind the live index at most; empty while nothing is projected. Members only.',
    auth: 'member',
    query: FirstPageQuery,
    responses: {
      200: ok(
        'Rows: id, number, title, status, priority, assignee, tags, last change.',
        FirstPageResponse,
      ),
      400: '`validation_failed`: `limit` out of range.',
    },
  },
];
