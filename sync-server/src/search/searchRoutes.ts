import type { Hono } from 'hono';
import { TicketSearchQuery, type TicketSearchResponse } from '@desk/protocol/rest';
import { AppError } from '../http/AppError.ts';
import type { ServerContext } from '../ServerContext.ts';
import { memberRequest, type MemberRequestDeps } from '../workspaces/memberRequest.ts';
import type { AsyncModerationStore } from '../moderation/ModerationStore.ts';
import { Redaction } from '../moderation/redaction.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { TicketSearchIndex } from './TicketSearchIndex.ts';

/** What the search routes read besides the projection: the caller's workspace and role. */
export type SearchRouteDeps = ServerContext &
  MemberRequestDeps & {
    readonly control: MemberRequestDeps['control'] & {
      /**
       * Terms §4: disabled tickets and comments are redacted in hits and first-page rows. Read
       * from the store at each request: on a cluster, another process's decision holds here
       * as soon as it was answered (no process's cache stands between).
       */
      readonly moderation: Pick<AsyncModerationStore, 'disabledSet'>;
    };
  };

/**
 * `GET /api/workspaces/:slug/search?q=…&limit=…` → `{ hits }`: the workspace's live tickets
 * matching every word, best first, from the server's projection (for tickets the device
 * does not hold). Members only, as every read of workspace content; a non-member gets the
 * same 404 as a missing workspace. What `q` holds is words, never query syntax.
 */
export function installSearchRoutes(
  app: Hono,
  ctx: SearchRouteDeps,
  index: AsyncStore<TicketSearchIndex>,
) {
  app.get('/api/workspaces/:slug/search', async (c) => {
    const { workspace } = await memberRequest(ctx, c);
    const parsed = TicketSearchQuery.safeParse(c.req.query());
    if (!parsed.success) {
      const fields: Record<string, string> = {};
      for (const issue of parsed.error.issues)
        fields[issue.path.map(String).join('.')] ??= issue.message;
      throw AppError.badRequest('The search parameters are not valid.', fields);
    }
    const { q, limit } = parsed.data;
    const redaction = new Redaction(
      workspace.id,
      await ctx.control.moderation.disabledSet(workspace.id),
    );
    const hits = await index.search(workspace.id, q, limit);
    const body: TicketSearchResponse = {
      hits: redaction.none ? hits : hits.map((hit) => redaction.searchHit(hit)),
    };
    return c.json(body);
  });
}
