import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { createLogger } from '../../log/logger.ts';
import { DatabaseUnavailableError } from '../../store/DatabaseUnavailableError.ts';
import { AppError } from '../AppError.ts';
import { errorHandler } from './index.ts';

/** The log lines written, parsed. */
function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('debug', {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { log, lines };
}

/** An app whose one route throws `err`, behind the error handler. */
function throwing(err: Error) {
  const { log, lines } = capturedLog();
  const app = new Hono();
  app.use(requestId());
  app.onError(errorHandler(log));
  app.get('/', () => {
    throw err;
  });
  return { app, lines };
}

describe('errorHandler', () => {
  it('answers an AppError with its status and typed body, and never lets it be cached', async () => {
    const { app, lines } = throwing(
      new AppError(ErrorCode.notFound, 404, 'No such workspace.', { retryAfter: 30 }),
    );
    const response = await app.request('/');
    expect(response.status).toBe(404);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('retry-after')).toBe('30');
    expect(await response.json()).toEqual({
      error: { code: ErrorCode.notFound, message: 'No such workspace.', retryAfter: 30 },
    });
    // A refusal is an answer, not a fault: nothing to log.
    expect(lines).toEqual([]);
  });

  it('maps Hono’s HTTPException: 413 to payload_too_large, anything else to bad_request', async () => {
    const tooLarge = await throwing(new HTTPException(413, { message: 'Too big.' })).app.request(
      '/',
    );
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({
      error: { code: ErrorCode.payloadTooLarge, message: 'Too big.' },
    });
    const bad = await throwing(new HTTPException(400)).app.request('/');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: { code: ErrorCode.badRequest, message: 'Bad request.' },
    });
  });

  it('answers a database that is away with 503 database_unavailable and a Retry-After, logged as a warning', async () => {
    const { app, lines } = throwing(new DatabaseUnavailableError(new Error('ECONNREFUSED')));
    const response = await app.request('/');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      ErrorCode.databaseUnavailable,
    );
    expect(lines.map((l) => [l.level, l.msg])).toEqual([[40, 'database unavailable']]);
  });

  it('answers anything else with 500 internal, saying nothing of the error, and logs it with the request id', async () => {
    const { app, lines } = throwing(new Error('secret table layout'));
    const response = await app.request('/', { headers: { 'x-request-id': 'req-1' } });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('secret table layout');
    expect(JSON.parse(text)).toEqual({
      error: { code: ErrorCode.internal, message: 'Something went wrong on the server.' },
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, msg: 'unhandled error', requestId: 'req-1' });
    expect((lines[0]!.err as { message: string }).message).toBe('secret table layout');
  });
});
