import type { Hono } from 'hono';
import { ARCHIVE_AFTER_MS } from '@desk/model';
import { FirstPageQuery, type FirstPageResponse } from '@desk/protocol/rest';
import { AppError } from '../http/AppError.ts';
import { Redaction } from '../moderation/redaction.ts';
import { memberRequest } from '../workspaces/memberRequest.ts';
import type { SearchRouteDeps } from './searchRoutes.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { TicketSearchIndex } from './TicketSearchIndex.ts';

/**
 * `GET /api/workspaces/:slug/tickets/first-page?limit=…` → `{ rows }` (issue 15): the first
 * rows of the default ticket list from the server's projection, for a new device to paint
 * while the index document syncs (megabytes of Yjs to receive and decode). Members only,
 * like the index doc itself and every read of workspace content; a non-member gets the
 * same 404 as a missing workspace. The rows are what the list would show every member
 * (live tickets, newest change first — no per-person filtering exists in the list either).
 */
export function installFirstPageRoute(
  app: Hono,
  ctx: SearchRouteDeps,
  index: AsyncStore<TicketSearchIndex>,
) {
  app.get('/api/workspaces/:slug/tickets/first-page', async (c) => {
    const { workspace } = await memberRequest(ctx, c);
    const parsed = FirstPageQuery.safeParse(c.req.query());
    if (!parsed.success) {
      const fields: Record<string, string> = {};
      for (const issue of parsed.error.issues)
        fields[issue.path.map(String).join('.')] ??= issue.message;
      throw AppError.badRequest('The first-page parameters are not valid.', fields);
    }
    // Only rows the hot index certainly holds: an archived ticket shown now would vanish
    // when the index arrives (ARCHIVE_AFTER_MS is when a closed ticket may leave it).
    const hotSince = ctx.now() - ARCHIVE_AFTER_MS;
    const rows = await index.firstPage(workspace.id, parsed.data.limit, hotSince);
    // Terms §4: a disabled ticket's row says so instead of its title.
    const redaction = new Redaction(
      workspace.id,
      await ctx.control.moderation.disabledSet(workspace.id),
    );
    const body: FirstPageResponse = {
      rows: redaction.none ? rows : rows.map((row) => redaction.firstPageRow(row)),
    };
    // Workspace content: never kept by a shared cache.
    c.header('Cache-Control', 'private, no-store');
    return c.json(body);
  });
}
