import type { Hono } from 'hono';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { SyncEngine } from '../sync/SyncEngine.ts';
import { installFirstPageRoute } from './firstPageRoute.ts';
import { installSearchRoutes } from './searchRoutes.ts';
import { SearchProjector } from './SearchProjector.ts';
import { SqliteTicketSearchIndex } from './SqliteTicketSearchIndex.ts';

/**
 * Server-side ticket search (issue 15): the FTS5 projection, the projector that keeps it
 * current from the documents' change sequence (and backfills, in the background, from
 * where it stopped), the search route, and the ticket list's first page (read from the same
 * projection).
 */
export function installSearch(app: Hono, ctx: ServerContext, sync: SyncEngine): SearchProjector {
  const index = new SqliteTicketSearchIndex(ctx.db);
  const projector = new SearchProjector({
    store: sync.store,
    index,
    offThread: ctx.offThread,
    log: ctx.log.child({ module: 'search' }),
  });
  installSearchRoutes(app, ctx, index);
  installFirstPageRoute(app, ctx, index);
  projector.start();
  // Before the database closes: a pass in flight finishes its transaction first.
  ctx.shutdown.add(ShutdownPhase.flush, 'search projection', () => projector.stop());
  return projector;
}
