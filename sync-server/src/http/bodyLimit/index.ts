import type { MiddlewareHandler } from 'hono';
import { ErrorCode } from '@desk/protocol';
import { AppError } from '../AppError.ts';

/**
 * Largest request body any route accepts unless it declares its own limit, in bytes. Every
 * JSON body of the API is a handful of short fields (the longest is a 2,000-character note,
 * at most 12 KB even fully escaped), so 16 KiB leaves room and keeps an anonymous client from
 * making the server hold more than that per request.
 * @default 16384 (16 KiB)
 */
export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024;

export interface BodyLimitOptions {
  /** Largest body accepted, in bytes; one more byte answers 413 `payload_too_large`. */
  readonly maxBytes: number;
}

/** What one request may still read; shared by the app-wide default and a route's override. */
interface BodyBudget {
  maxBytes: number;
  /** Set once the route began to read the body: from then on the limit is fixed. */
  reading: boolean;
}

// Keyed by the wrapped Request, so a route's own `bodyLimit` finds the one the app installed.
const budgets = new WeakMap<Request, BodyBudget>();

/**
 * Caps the request body at `maxBytes`, enforced while the body streams in: the route reads
 * through a counting stream that fails with 413 `payload_too_large` as soon as one byte too
 * many arrived (or before the first byte when Content-Length already says so), so nothing
 * beyond the limit is ever held in memory. Unlike Hono's `body-limit`, nothing is read here:
 * the count happens when the route reads, which is what lets a route raise or lower the
 * app-wide default by adding its own `bodyLimit(...)` — the last one before the first read
 * wins. Routes that stream (uploads) set their cap here and keep their own streamed check.
 *
 * The refusal carries `Connection: close`: the client may still be sending, and reading the
 * rest only to throw it away would cost the bandwidth the limit is there to save.
 */
export function bodyLimit({ maxBytes }: BodyLimitOptions): MiddlewareHandler {
  return async (c, next) => {
    const raw = c.req.raw;
    const existing = budgets.get(raw);
    if (existing) {
      if (!existing.reading) existing.maxBytes = maxBytes;
      return next();
    }
    const source = raw.body;
    if (!source) return next();

    const budget: BodyBudget = { maxBytes, reading: false };
    let exceeded = false;
    const declared = declaredLength(raw.headers);
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    let received = 0;
    const refuse = (controller: ReadableStreamDefaultController<Uint8Array>) => {
      exceeded = true;
      // The source is not cancelled: that would destroy the socket before the 413 is sent.
      // The HTTP server drains or closes the connection once the response is out.
      reader?.releaseLock();
      controller.error(tooLarge(budget.maxBytes));
    };
    // highWaterMark 0: nothing is pulled before the route reads. A stream pulls to fill its
    // queue as soon as it is made, which would start the read — and fix the budget — while
    // an earlier middleware awaits (a session looked up), before the route's own limit.
    const limited = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          if (!budget.reading) {
            budget.reading = true;
            if (declared !== null && declared > budget.maxBytes) return refuse(controller);
            reader = source.getReader();
          }
          if (exceeded || !reader) return;
          const { done, value } = await reader.read();
          if (done) return controller.close();
          received += value.byteLength;
          if (received > budget.maxBytes) return refuse(controller);
          controller.enqueue(value);
        },
      },
      { highWaterMark: 0 },
    );
    const wrapped = new Request(raw, { body: limited, duplex: 'half' } as RequestInit);
    budgets.set(wrapped, budget);
    c.req.raw = wrapped;
    await next();
    if (exceeded) c.res.headers.set('Connection', 'close');
  };
}

/** Content-Length, unless Transfer-Encoding overrides it (RFC 9112 §6.3). */
function declaredLength(headers: Headers): number | null {
  if (headers.has('transfer-encoding')) return null;
  const value = headers.get('content-length');
  if (value === null || !/^\d+$/.test(value)) return null;
  return Number(value);
}

function tooLarge(maxBytes: number): AppError {
  return new AppError(
    ErrorCode.payloadTooLarge,
    413,
    `The request body is larger than this route accepts (${describeBytes(maxBytes)}).`,
  );
}

function describeBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round(bytes / 1024 / 1024)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}
