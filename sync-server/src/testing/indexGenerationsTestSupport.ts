import { indexDocId } from '@desk/model';
import { IndexRewriter, type IndexRewriteOutcome } from '../generations/IndexRewriter.ts';
import { createLogger } from '../log/logger.ts';
import type { AuthTestServer } from './authTestServer.ts';

/**
 * Test support: the server's index rewriter (SPEC IDX-GEN) run on demand against a test
 * server's engine and worker, on the test's clock — any size is worth a rewrite (the
 * server's own waits for `INDEX_REWRITE_MIN_BYTES`). Not used in production.
 */
export function testIndexRewriter(
  t: AuthTestServer,
  options: { now?: () => number; keepReplacedMs?: number } = {},
): IndexRewriter {
  return new IndexRewriter({
    docs: t.server.sync,
    offThread: t.server.services.offThread,
    log: createLogger('silent'),
    minBytes: 1,
    minReclaimShare: -1, // even a rewrite that reclaims nothing (a test's few rows)
    dropCheckEveryMs: 0,
    ...options,
  });
}

/** Rewrites generation `generation` of the workspace's index now (the newest, by default 1). */
export function rewriteIndexNow(
  t: AuthTestServer,
  workspaceId: string,
  generation = 1,
): Promise<IndexRewriteOutcome> {
  return testIndexRewriter(t).consider(indexDocId(workspaceId, generation));
}
