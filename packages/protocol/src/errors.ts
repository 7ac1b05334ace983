import type { ErrorBody } from './rest/errors.ts';

/**
 * Error codes the server returns from REST routes (`{ error: { code, message } }`) and
 * the UI maps to words. Add codes here; never match on message strings.
 */
export const ErrorCode = {
  // generic
  badRequest: 'bad_request',
  validationFailed: 'validation_failed',
  notFound: 'not_found',
  internal: 'internal',
  payloadTooLarge: 'payload_too_large',
  rateLimited: 'rate_limited',
  /**
   * 503 with Retry-After: the server's database cannot be reached (a PostgreSQL restart or
   * failover); nothing was stored. Retry after the delay. `/readyz` says
   * `database_unavailable` meanwhile.
   */
  databaseUnavailable: 'database_unavailable',
  /**
   * 503 with Retry-After from `pnpm start:cluster`'s proxy: no server process behind it is
   * ready (all restarting or not yet started); 502 when the one handling the request
   * stopped answering. Retry after the delay.
   */
  serverUnavailable: 'server_unavailable',
  // security
  unauthenticated: 'unauthenticated',
  sessionExpired: 'session_expired',
  forbidden: 'forbidden',
  foreignOrigin: 'foreign_origin',
  // accounts
  invalidCredentials: 'invalid_credentials',
  emailTaken: 'email_taken',
  weakPassword: 'weak_password',
  accountSuspended: 'account_suspended',
  passwordResetRequired: 'password_reset_required',
  tokenInvalid: 'token_invalid',
  tokenExpired: 'token_expired',
  termsNotAccepted: 'terms_not_accepted',
  /** 409: account deletion refused while the user owns workspaces (`workspaces` names them). */
  lastOwner: 'last_owner',
  // workspaces and seats
  slugTaken: 'slug_taken',
  seatLimitReached: 'seat_limit_reached',
  alreadyMember: 'already_member',
  invitationInvalid: 'invitation_invalid',
  invitationExpired: 'invitation_expired',
  workspaceReadOnly: 'workspace_read_only',
  workspaceSuspended: 'workspace_suspended',
  workspaceTerminated: 'workspace_terminated',
  invalidStateTransition: 'invalid_state_transition',
  /**
   * 410: the workspace is being deleted (its owner asked, or its terminated subscription's
   * grace ended). Only its deletion status (and, for the owner, cancelling) still answers.
   */
  workspaceDeleted: 'workspace_deleted',
  // snapshots
  restoreAlreadyUndone: 'restore_already_undone',
  restoreNotUndoable: 'restore_not_undoable',
  /**
   * 409: another snapshot, restore or undo of the workspace (on another server process) kept
   * it for longer than a request waits; nothing was done. Try again later.
   */
  snapshotBusy: 'snapshot_busy',
  // webhooks
  signatureInvalid: 'signature_invalid',
  webhookReplayed: 'webhook_replayed',
  // attachments
  /** 507: the server's storage is full (ENOSPC); nothing was stored. */
  insufficientStorage: 'insufficient_storage',
  /** 415: the file's content (not its name or header) is a type uploads refuse. */
  fileTypeRefused: 'file_type_refused',
  /** 410: the export's file was deleted when it expired; start a new export. */
  exportExpired: 'export_expired',
  /** 409: the export is still being built (or failed); its progress is in the list. */
  exportNotReady: 'export_not_ready',
  /** 422: the uploaded file is not a workspace export this server can import. */
  importInvalid: 'import_invalid',
  // moderation (terms §4)
  /**
   * 451: the operator disabled access to this content (a blob, its thumbnail, a document in
   * a REST view); `message` is "Access to this content has been disabled — <reason>".
   */
  contentDisabled: 'content_disabled',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The JSON body of every failed REST response. */
/** The body of every refusal; declared once, as a schema, in `rest/errors.ts`. */
export type { ErrorBody };

export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
