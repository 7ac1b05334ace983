import {
  MAX_TICKET_NUMBER_BLOCK,
  ReserveTicketNumbersRequest,
  TicketNumberBlock,
} from '@desk/protocol/rest';
import { ok, type RouteDoc } from '../http/openapi/routeDoc.ts';
import { MAX_BLOCK_SIZE } from './TicketNumberCounter.ts';

// The counter enforces the limit the protocol documents: the two must be the same number.
const sameLimit: typeof MAX_BLOCK_SIZE = MAX_TICKET_NUMBER_BLOCK;

/** Ticket number blocks, so tickets created offline get numbers unique in the workspace. */
export const ticketRoutes: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/api/workspaces/{slug}/ticket-numbers',
    summary: `Reserve a block of ticket numbers (at most ${sameLimit}, unique per workspace) for tickets created offline.`,
    auth: 'member',
    body: ReserveTicketNumbersRequest,
    bodyOptional: true,
    responses: {
      201: ok('The block, `{ from, to }` inclusive.', TicketNumberBlock),
      400: '`validation_failed`.',
      403: '`workspace_read_only`: the caller may not write here (viewer, or a read-only workspace).',
    },
  },
];
