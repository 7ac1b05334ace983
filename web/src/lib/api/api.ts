import { ErrorCode, isErrorBody } from '@desk/protocol';
import { messageFor } from './errorMessages.ts';

/** A failed API call, with the server's typed code and a sentence the UI can show. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: number,
    readonly fields: Record<string, string> = {},
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * A request its caller aborted through `signal`, typically because the page that asked was
 * left. Not a failure to show: the "cannot be reached" ApiError would tell the user something
 * false, and nobody is waiting for the answer any more.
 */
export class ApiAborted extends Error {
  constructor() {
    super('The request was abandoned by its caller.');
    this.name = 'ApiAborted';
  }
}

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

/**
 * Calls `/api/...` with the session cookie; returns the parsed JSON body or throws ApiError.
 * A network failure becomes ApiError with status 0, so callers have one thing to handle;
 * a request aborted through `signal` throws ApiAborted, which callers ignore.
 */
export async function api<T>(path: string, request: ApiRequest = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: request.method ?? 'GET',
      credentials: 'same-origin',
      headers: request.body === undefined ? {} : { 'content-type': 'application/json' },
      body: request.body === undefined ? null : JSON.stringify(request.body),
      signal: request.signal ?? null,
    });
  } catch {
    if (request.signal?.aborted) throw new ApiAborted();
    throw new ApiError(
      ErrorCode.internal,
      'The server cannot be reached. Check your connection and try again.',
      0,
    );
  }
  const text = await response.text();
  const json: unknown = text ? safeParse(text) : undefined;
  if (!response.ok) {
    // 403 only: sign-up and invitation forms answer 400 with this code for the unticked box.
    if (
      response.status === 403 &&
      isErrorBody(json) &&
      json.error.code === ErrorCode.termsNotAccepted
    ) {
      showTermsPage();
    }
    throw toApiError(json, response.status);
  }
  return json as T;
}

/**
 * The server refuses everything but the account routes until the user accepts the terms in
 * force (issue 16): wherever that happens, the terms page is where the user can go on.
 */
function showTermsPage(): void {
  if (typeof window === 'undefined' || window.location.pathname === TERMS_PATH) return;
  window.location.assign(TERMS_PATH);
}
const TERMS_PATH = '/terms';

/** The ApiError of a refusal: the server's typed error body, or `internal` if it sent none. */
export function toApiError(body: unknown, status: number): ApiError {
  if (!isErrorBody(body)) {
    return new ApiError(ErrorCode.internal, messageFor(ErrorCode.internal), status);
  }
  const { code, message, fields, retryAfter } = body.error;
  return new ApiError(code, messageFor(code, message), status, fields ?? {}, retryAfter);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
