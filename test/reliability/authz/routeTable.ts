import type { RunningServer } from '../../../sync-server/src/createServer.ts';

/** One REST route as the app installed it: `GET /api/workspaces/:slug`. */
export interface InstalledRoute {
  readonly method: string;
  readonly path: string;
  readonly key: string;
}

/**
 * Middleware the app installs with `use` (Hono lists it as method ALL). Anything else
 * registered for ALL would be a route this table cannot see, so it fails the test.
 */
const MIDDLEWARE_PATHS = new Set([
  '/*',
  '/api/auth/*',
  '/api/operator/*',
  '/_app/immutable/*',
  // deletion/: a workspace being deleted answers 410 to its members (closedWorkspaceGuard).
  // support/: finds an operator's support grant for the workspace of the request.
  '/api/workspaces/:slug',
  '/api/workspaces/:slug/*',
]);

/** Routes served to everyone as files or a shell, not part of the API. */
const STATIC_ROUTES = new Set(['GET /*']);

/**
 * Every route the real app answers, from Hono's own route table (the one the router
 * dispatches on, so a route cannot be installed without appearing here), de-duplicated.
 * Throws on a route registered for every method, which the matrix could not enumerate.
 */
export function installedRoutes(app: RunningServer['app']): InstalledRoute[] {
  const seen = new Map<string, InstalledRoute>();
  for (const route of app.routes) {
    if (route.method === 'ALL') {
      if (!MIDDLEWARE_PATHS.has(route.path)) {
        throw new Error(`${route.path} is registered for every method; list its methods`);
      }
      continue;
    }
    const key = `${route.method} ${route.path}`;
    if (STATIC_ROUTES.has(key)) continue;
    seen.set(key, { method: route.method, path: route.path, key });
  }
  return [...seen.values()];
}

/** Routes that change state: the ones CSRF protection must cover. */
export function stateChanging(routes: readonly InstalledRoute[]): InstalledRoute[] {
  return routes.filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method));
}
