import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../log/logger.ts';
import type { Authentication, UpgradeCredentials } from './SyncAuth.ts';
import type { SyncEngine } from './SyncEngine.ts';

/** Which endpoint an upgrade asks for. */
export type SyncEndpoint = { kind: 'sync' } | { kind: 'yjs'; docId: string } | null;

/** `/sync` or `/yjs/<docId>` (percent-decoded); anything else is not ours. */
export function syncEndpointOf(path: string): SyncEndpoint {
  if (path === '/sync') return { kind: 'sync' };
  if (!path.startsWith('/yjs/')) return null;
  const raw = path.slice('/yjs/'.length);
  if (raw === '' || raw.includes('/')) return null;
  try {
    return { kind: 'yjs', docId: decodeURIComponent(raw) };
  } catch {
    return { kind: 'yjs', docId: '' }; // malformed escapes: refused as an invalid doc id
  }
}

/**
 * WebSocket upgrades for the sync endpoints, straight from Node's `upgrade` event. Not
 * through Hono: a Request, Headers and the middleware chain per upgrade cost ~2 ms and
 * kilobytes per socket for nothing the engine reads; the engine needs three headers. The
 * plain-HTTP GET of these paths stays a Hono route (426, described in OpenAPI).
 * Authentication runs before the handshake completes; its failure is told to the client as
 * a close code after it (browsers cannot read the status of a refused upgrade).
 */
export function acceptSyncUpgrades(
  server: Server,
  engine: SyncEngine,
  log: Logger,
  maxPayload: number,
): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload });
  const authenticate = async (credentials: UpgradeCredentials): Promise<Authentication> => {
    try {
      return await engine.auth.authenticate(credentials);
    } catch (err) {
      log.error({ err }, 'sync authentication failed');
      return { ok: false, closeCode: 4500, message: 'Authentication failed.' };
    }
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const url = new URL(req.url ?? '/', 'http://upgrade.invalid');
    const endpoint = syncEndpointOf(url.pathname);
    if (!endpoint) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // A client that goes away while we authenticate must not crash the process.
    const dropped = (err: Error) => log.debug({ err, path: url.pathname }, 'upgrade dropped');
    socket.on('error', dropped);
    void authenticate({
      cookieHeader: req.headers.cookie,
      origin: req.headers.origin,
      token: url.searchParams.get('token') ?? undefined,
    }).then((authentication) => {
      // The path only, never the query: /yjs carries access tokens there.
      log.debug({ path: url.pathname, authenticated: authentication.ok, ms: elapsed() }, 'upgrade');
      if (socket.destroyed) return;
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        socket.off('error', dropped);
        if (endpoint.kind === 'sync') engine.openSync(ws, authentication);
        else engine.openYjs(ws, authentication, endpoint.docId);
      });
    });
  });
}
