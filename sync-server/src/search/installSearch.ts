import type { Hono } from 'hono';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import { installFirstPageRoute } from './firstPageRoute.ts';
import { installSearchRoutes, type SearchRouteDeps } from './searchRoutes.ts';
import type { SearchProjector } from './SearchProjector.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import type { TicketSearchIndex } from './TicketSearchIndex.ts';

/** What search needs: the projection and its projector, built once in createSyncServices. */
export interface SearchDeps extends SearchRouteDeps {
  readonly searchIndex: AsyncStore<TicketSearchIndex>;
  readonly searchProjector: SearchProjector;
}

/**
 * Server-side ticket search (issue 15): the projection (FTS5; PostgreSQL's on the seam), the projector that keeps it
 * current from the documents' change sequence (woken by the sync engine after each turn
 * that stored updates, and backfilling, in the background, from where it stopped), the
 * search route, and the ticket list's first page (read from the same projection).
 */
export function installSearch(app: Hono, deps: SearchDeps): void {
  const { searchIndex: index, searchProjector: projector } = deps;
  installSearchRoutes(app, deps, index);
  installFirstPageRoute(app, deps, index);
  projector.start();
  // Before the database closes: a pass in flight finishes its transaction first.
  deps.shutdown.add(ShutdownPhase.flush, 'search projection', () => projector.stop());
}
