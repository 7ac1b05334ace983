/**
 * Limits of ticket search (`GET /api/workspaces/:slug/search`, issue 15), free of zod so
 * the web app can use them; the bodies are in rest/search.ts.
 */

/** Characters of `q` the server reads; longer input is refused (`validation_failed`). */
export const SEARCH_QUERY_MAX_LENGTH = 200;
/** Hits per answer when `limit` is not given. */
export const SEARCH_DEFAULT_LIMIT = 20;
/** The most hits one answer holds. */
export const SEARCH_MAX_LIMIT = 100;
