import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ErrorCode, type ErrorBody } from '@desk/protocol';

/**
 * The one error type routes throw. It carries a code from the closed ErrorCode union, an
 * HTTP status and a sentence for people; `errorHandler` turns it into the JSON body.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: ContentfulStatusCode,
    message: string,
    readonly extra: Omit<ErrorBody['error'], 'code' | 'message'> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...this.extra } };
  }

  static badRequest(message: string, fields?: Record<string, string>): AppError {
    return new AppError(ErrorCode.validationFailed, 400, message, fields ? { fields } : {});
  }
  static notFound(message = 'Not found.'): AppError {
    return new AppError(ErrorCode.notFound, 404, message);
  }
  static unauthenticated(message = 'Please log in.'): AppError {
    return new AppError(ErrorCode.unauthenticated, 401, message);
  }
  static forbidden(message = 'You do not have access to this.'): AppError {
    return new AppError(ErrorCode.forbidden, 403, message);
  }
}
