import http from 'node:http';
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';
import httpProxy from 'http-proxy';
import { ErrorCode, type ErrorBody } from '@desk/protocol';
import type { PoolTarget, ReadyPool } from './ReadyPool.ts';

/**
 * Seconds a client is asked to wait when no process is ready. @default 1 — the probes run
 * every second, so a restarted process takes users again about that soon.
 */
export const NO_PROCESS_RETRY_AFTER_S = 1;

/** Errors that mean the process could not be reached at all (it is restarting or died). */
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ETIMEDOUT',
]);

const isConnectionError = (err: Error): boolean =>
  CONNECTION_ERRORS.has((err as NodeJS.ErrnoException).code ?? '');

/**
 * Only these are sent again to another process after a connection error: the first may have
 * reached its process before the connection broke, and a POST done twice is two tickets.
 */
const IDEMPOTENT = new Set(['GET', 'HEAD']);

/** The headers http-proxy's `xfwd` appends to: put back before a retry so they are not doubled. */
const FORWARDED = ['x-forwarded-for', 'x-forwarded-port', 'x-forwarded-proto'] as const;

function unavailableBody(): string {
  const body: ErrorBody = {
    error: {
      code: ErrorCode.serverUnavailable,
      message: 'No server process could take this request. Try again in a moment.',
      retryAfter: NO_PROCESS_RETRY_AFTER_S,
    },
  };
  return JSON.stringify(body);
}

export interface PoolProxyOptions {
  /** Told of each process a proxied request could not reach (it is then out of the pool). */
  readonly onUnreachable?: (target: PoolTarget, err: Error) => void;
}

/**
 * The proxy of `pnpm start:cluster`: an HTTP server that hands each request and each
 * WebSocket upgrade to the next ready process of `pool` (http-proxy, `X-Forwarded-For`
 * set). A process that cannot be reached is marked down at once; a GET or HEAD it failed is
 * tried once more on another ready process. With no process ready, or the request refused
 * by the one it was sent to, the answer is 503 `server_unavailable` with Retry-After; 502
 * only when a process broke off a request it may have acted on (a POST is never resent).
 */
export function createPoolProxy(pool: ReadyPool, options: PoolProxyOptions = {}): http.Server {
  // xfwd: the processes see the client's address in X-Forwarded-For.
  const proxy = httpProxy.createProxyServer({ xfwd: true });
  // Every call passes its own callback; this only keeps a stray error from throwing.
  proxy.on('error', () => undefined);

  const unreachable = (target: PoolTarget, err: Error): void => {
    pool.markDown(target, err.message);
    options.onUnreachable?.(target, err);
  };

  const refuse = (res: http.ServerResponse): void => {
    res.writeHead(503, {
      'content-type': 'application/json',
      'retry-after': String(NO_PROCESS_RETRY_AFTER_S),
    });
    res.end(unavailableBody());
  };

  const web = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const forwarded = FORWARDED.map((name) => [name, req.headers[name]] as const);
    const tried = new Set<PoolTarget>();
    const attempt = (retry: boolean): void => {
      const target = pool.pick(tried);
      if (!target) return refuse(res);
      tried.add(target);
      if (retry) for (const [name, value] of forwarded) req.headers[name] = value;
      proxy.web(
        req,
        res,
        // A retried GET's body was read by the first attempt: an empty one ends the request.
        { target: target.url, ...(retry ? { buffer: Readable.from([]) } : {}) },
        (err) => {
          if (isConnectionError(err)) unreachable(target, err);
          if (res.headersSent) {
            res.destroy();
            return;
          }
          if (!retry && isConnectionError(err) && IDEMPOTENT.has(req.method ?? '')) {
            attempt(true);
            return;
          }
          // Refused: the request reached no process, so nothing was done — 503, retry later.
          // Otherwise the process may have acted on it before it broke off: 502.
          if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') return refuse(res);
          res.writeHead(502, { 'content-type': 'application/json' });
          const body: ErrorBody = {
            error: {
              code: ErrorCode.serverUnavailable,
              message: 'The server process handling this request stopped answering.',
            },
          };
          res.end(JSON.stringify(body));
        },
      );
    };
    attempt(false);
  };

  const upgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const target = pool.pick();
    if (!target) {
      const body = unavailableBody();
      socket.end(
        'HTTP/1.1 503 Service Unavailable\r\n' +
          'Content-Type: application/json\r\n' +
          `Retry-After: ${NO_PROCESS_RETRY_AFTER_S}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          'Connection: close\r\n\r\n' +
          body,
      );
      return;
    }
    // Not retried: the client's socket reconnects (to a ready process) as after any drop.
    proxy.ws(req, socket, head, { target: target.url }, (err) => {
      if (isConnectionError(err)) unreachable(target, err);
      socket.destroy();
    });
  };

  const server = http.createServer(web);
  server.on('upgrade', upgrade);
  server.on('close', () => proxy.close());
  return server;
}
