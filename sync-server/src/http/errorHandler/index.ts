import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ErrorCode, type ErrorBody } from '@desk/protocol';
import type { Logger } from '../../log/logger.ts';
import { DatabaseUnavailableError } from '../../store/DatabaseUnavailableError.ts';
import { AppError } from '../AppError.ts';

/** Seconds a client waits before trying again while the database is away (a restart). */
const DATABASE_RETRY_AFTER_S = 5;

/**
 * Turns anything a route throws into the typed JSON error body. Never cached: 404 and 410
 * are cacheable by default (RFC 9111 heuristics), and a browser that kept "workspace
 * deleted" would not open the workspace again after its owner cancelled the deletion.
 */
export function errorHandler(log: Logger) {
  return (err: Error, c: Context): Response => {
    c.header('Cache-Control', 'no-store');
    if (err instanceof AppError) {
      if (err.extra.retryAfter !== undefined) c.header('Retry-After', String(err.extra.retryAfter));
      return c.json(err.toBody(), err.status);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = status === 413 ? ErrorCode.payloadTooLarge : ErrorCode.badRequest;
      const body: ErrorBody = { error: { code, message: err.message || 'Bad request.' } };
      return c.json(body, status);
    }
    if (err instanceof DatabaseUnavailableError) {
      // Nothing was stored (or, cut during COMMIT, it may have been: the client retries,
      // and the route's write must then be safe to repeat — as every one answering 503 is).
      log.warn({ err, requestId: c.get('requestId') }, 'database unavailable');
      c.header('Retry-After', String(DATABASE_RETRY_AFTER_S));
      const body: ErrorBody = {
        error: {
          code: ErrorCode.databaseUnavailable,
          message: 'The server cannot reach its database right now. Nothing was saved; try again.',
        },
      };
      return c.json(body, 503);
    }
    log.error({ err, requestId: c.get('requestId') }, 'unhandled error');
    const body: ErrorBody = {
      error: { code: ErrorCode.internal, message: 'Something went wrong on the server.' },
    };
    return c.json(body, 500);
  };
}
