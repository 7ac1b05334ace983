import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../log/logger.ts';

/**
 * One log line per request: id, method, path, status, duration. Only the path is logged,
 * never the query string — the y-websocket endpoint carries access tokens there.
 */
export function requestLog(log: Logger): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const status = c.res.status;
    const line = {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round(performance.now() - started),
    };
    if (status >= 500) log.error(line, 'request failed');
    else log.debug(line, 'request');
  };
}
