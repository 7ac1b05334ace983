import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ErrorCode, type ErrorBody } from '@desk/protocol';
import type { Logger } from '../log/logger.ts';
import { AppError } from './AppError.ts';

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
    log.error({ err, requestId: c.get('requestId') }, 'unhandled error');
    const body: ErrorBody = {
      error: { code: ErrorCode.internal, message: 'Something went wrong on the server.' },
    };
    return c.json(body, 500);
  };
}
