import type { Context, Hono } from 'hono';
import type { UpgradeWebSocket } from 'hono/ws';
import type { WebSocket } from 'ws';
import { ErrorCode } from '@desk/protocol';
import { ShutdownPhase } from '../lifecycle/ShutdownHooks.ts';
import type { ServerContext } from '../ServerContext.ts';
import { DeskSyncAuth } from './DeskSyncAuth.ts';
import type { Authentication, SyncAuth, UpgradeCredentials } from './SyncAuth.ts';
import { SyncEngine } from './SyncEngine.ts';
import type { SyncLimits } from './SyncLimits.ts';

export interface SyncOptions {
  /** The auth boundary; production is `DeskSyncAuth` (sessions, tokens, memberships). */
  auth?: SyncAuth;
  limits?: Partial<SyncLimits>;
}

/**
 * Installs the two sync endpoints — `GET /sync` (multiplexed, PROTOCOL.md) and
 * `GET /yjs/:docId` (stock y-websocket) — and their shutdown steps. Authentication runs
 * during the upgrade; its failure is told to the client as a close code (browsers cannot
 * read the status of a refused upgrade). Returns the engine for other server modules.
 */
export function installSync(
  app: Hono,
  ctx: ServerContext,
  upgradeWebSocket: UpgradeWebSocket<WebSocket>,
  options: SyncOptions = {},
): SyncEngine {
  const engine = new SyncEngine(ctx, {
    auth: options.auth ?? new DeskSyncAuth(ctx),
    ...(options.limits ? { limits: options.limits } : {}),
  });

  const authenticate = async (c: Context): Promise<Authentication> => {
    try {
      return await engine.auth.authenticate(credentialsOf(c));
    } catch (err) {
      ctx.log.error({ err }, 'sync authentication failed');
      return { ok: false, closeCode: 4500, message: 'Authentication failed.' };
    }
  };

  app.get(
    '/sync',
    upgradeWebSocket(async (c) => {
      const authentication = await authenticate(c);
      return {
        onOpen: (_event, ws) => {
          engine.openSync(ws.raw!, authentication);
          releaseHonoListeners(ws.raw!);
        },
      };
    }),
    notAnUpgrade,
  );
  app.get(
    '/yjs/:docId',
    upgradeWebSocket(async (c) => {
      const docId = c.req.param('docId') ?? '';
      const authentication = await authenticate(c);
      return {
        onOpen: (_event, ws) => {
          engine.openYjs(ws.raw!, authentication, docId);
          releaseHonoListeners(ws.raw!);
        },
      };
    }),
    notAnUpgrade,
  );

  // In the listener phase, not later: the HTTP server's close() waits for upgraded sockets,
  // so they must close (1012, clients reconnect with backoff) while it waits.
  ctx.shutdown.add(ShutdownPhase.listener, 'sync sockets', () => engine.closeAll());
  ctx.shutdown.add(ShutdownPhase.flush, 'sync writes', () => engine.flush());
  return engine;
}

/**
 * @hono/node-ws attaches its own message/close/error listeners right after onOpen; they
 * close over the upgrade's Context (Request, headers, Node IncomingMessage) and so keep it
 * alive as long as the socket. The engine reads the socket through its own listeners, so
 * Hono's are dropped, which takes kilobytes off every idle socket.
 */
function releaseHonoListeners(raw: WebSocket): void {
  const events = ['message', 'close', 'error'] as const;
  const ours = new Set(events.flatMap((event) => raw.listeners(event)));
  queueMicrotask(() => {
    for (const event of events) {
      for (const listener of raw.listeners(event)) {
        if (!ours.has(listener)) raw.off(event, listener as (...args: unknown[]) => void);
      }
    }
  });
}

function credentialsOf(c: Context): UpgradeCredentials {
  return {
    cookieHeader: c.req.header('cookie'),
    origin: c.req.header('origin'),
    token: c.req.query('token'),
  };
}

function notAnUpgrade(c: Context) {
  return c.json(
    { error: { code: ErrorCode.badRequest, message: 'This is a WebSocket endpoint.' } },
    426,
  );
}
