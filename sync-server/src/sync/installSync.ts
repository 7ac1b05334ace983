import type { Context, Hono } from 'hono';
import { ErrorCode } from '@desk/protocol';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import type { ServerContext } from '../ServerContext.ts';
import type { DocStore } from '../store/DocStore.ts';
import type { SyncAuth } from './SyncAuth.ts';
import { SyncEngine, type SyncEngineOptions } from './SyncEngine.ts';
import type { SyncLimits } from './SyncLimits.ts';

export interface SyncOptions {
  /** The auth boundary; production is `DeskSyncAuth` (sessions, tokens, memberships). */
  auth: SyncAuth;
  limits?: Partial<SyncLimits>;
  /** The documents' store, built once with the other stores. */
  store: DocStore;
  /** A cluster process: documents on PostgreSQL and fan-out over Redis instead of `store`. */
  cluster?: Pick<SyncEngineOptions, 'sharedStore' | 'fanOut' | 'compactionLease' | 'rateShares'>;
}

/**
 * Creates the sync engine, describes its two endpoints — `GET /sync` (multiplexed,
 * PROTOCOL.md) and `GET /yjs/:docId` (stock y-websocket) — as HTTP routes that answer 426
 * to anything but an upgrade, and registers the engine's shutdown steps. The upgrades
 * themselves are accepted by `acceptSyncUpgrades` once the HTTP server listens.
 */
export function installSync(app: Hono, ctx: ServerContext, options: SyncOptions): SyncEngine {
  const engine = new SyncEngine(ctx, {
    auth: options.auth,
    ...(options.cluster ?? { store: options.store }),
    limits: {
      // The same limit that drops replaced index generations (IndexRewriter): one contract.
      offlineReplicaMs: ctx.config.OFFLINE_REPLICA_LIMIT_DAYS * 24 * 3_600_000,
      ...options.limits,
    },
  });
  app.get('/sync', notAnUpgrade);
  app.get('/yjs/:docId', notAnUpgrade);

  // In the listener phase, not later: the HTTP server's close() waits for upgraded sockets,
  // so they must close (1012, clients reconnect with backoff) while it waits.
  ctx.shutdown.add(ShutdownPhase.listener, 'sync sockets', () => engine.closeAll());
  ctx.shutdown.add(ShutdownPhase.flush, 'sync writes', () => engine.flush());
  return engine;
}

function notAnUpgrade(c: Context) {
  return c.json(
    { error: { code: ErrorCode.badRequest, message: 'This is a WebSocket endpoint.' } },
    426,
  );
}
