import type { Hono } from 'hono';
import { ErrorCode } from '@desk/protocol';
import { readBody } from '../http/readBody/index.ts';
import { AppError } from '../http/AppError.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import {
  memberRequest,
  type MemberRequestDeps,
  type MemberStores,
} from '../workspaces/memberRequest.ts';
import type { WorkspaceAccessStore } from '../workspaces/WorkspaceAccessStore.ts';
import { DEFAULT_BLOCK_SIZE, type TicketNumberCounter } from './TicketNumberCounter.ts';
import { ReserveTicketNumbersRequest } from '@desk/protocol/rest';

/**
 * The stores the ticket-number route reads and writes, on their async interfaces (issue 19:
 * PostgreSQL may answer, `SqlTicketNumberCounter`); part of `Services.control`.
 */
export interface TicketRouteStores {
  readonly workspaceAccess: AsyncStore<WorkspaceAccessStore>;
  readonly ticketNumbers: AsyncStore<TicketNumberCounter>;
}

/**
 * `POST /api/workspaces/:slug/ticket-numbers` `{ count? }` → `{ from, to }`: a block of
 * ticket numbers for the caller's client to use, also offline (see packages/model README).
 * Members who may write only; a read-only workspace cannot create tickets.
 */
export function installTicketRoutes(
  app: Hono,
  ctx: ServerContext & MemberRequestDeps & { readonly control: TicketRouteStores & MemberStores },
): void {
  const { workspaceAccess, ticketNumbers: counter } = ctx.control;

  app.post('/api/workspaces/:slug/ticket-numbers', async (c) => {
    const { auth, workspace } = await memberRequest(ctx, c);
    const access = await workspaceAccess.of(auth.user.id, workspace.id);
    if (!access?.canWrite) {
      throw new AppError(
        ErrorCode.workspaceReadOnly,
        403,
        'This workspace is read-only for you, so no tickets can be created.',
      );
    }
    const body = await readBody(c, ReserveTicketNumbersRequest);
    const block = await counter.reserve(workspace.id, body.count ?? DEFAULT_BLOCK_SIZE);
    return c.json(block, 201);
  });
}
