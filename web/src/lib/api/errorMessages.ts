import { CONTENT_DISABLED_WORDS, ErrorCode } from '@desk/protocol';

/**
 * Words for each error code. The server's own message is used when it is more specific
 * (it names the field or the limit); these are the fallbacks, and the wording for codes
 * that need a hint about what to do next.
 */
const messages: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.internal]: 'Something went wrong on the server. Your work is kept; try again.',
  [ErrorCode.rateLimited]: 'Too many attempts. Wait a moment and try again.',
  [ErrorCode.payloadTooLarge]: 'This is too large to send. Shorten it and try again.',
  [ErrorCode.unauthenticated]: 'Please log in.',
  [ErrorCode.sessionExpired]: 'Your session has ended. Log in again; nothing you wrote is lost.',
  [ErrorCode.forbidden]: 'You do not have access to this.',
  [ErrorCode.foreignOrigin]: 'This request came from another site and was refused.',
  [ErrorCode.seatLimitReached]:
    'This workspace has no free seats left. Ask the workspace owner to free a seat or upgrade the plan.',
  [ErrorCode.workspaceReadOnly]:
    'This workspace is read-only right now. You can read and export, but not change anything.',
  [ErrorCode.fileTypeRefused]:
    'Programs and installers cannot be attached. Share them another way.',
  [ErrorCode.contentDisabled]: CONTENT_DISABLED_WORDS,
  [ErrorCode.insufficientStorage]:
    'The server has no room left to store this file. Nothing was saved; try again later.',
};

export function messageFor(code: ErrorCode, serverMessage?: string): string {
  return serverMessage ?? messages[code] ?? 'Something went wrong.';
}
