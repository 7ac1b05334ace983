import {
  AccessTokenList,
  AccountDeleted,
  AcceptTermsRequest,
  ChangePasswordRequest,
  CreateAccessTokenRequest,
  CreatedAccessToken,
  DeleteAccountRequest,
  ForgotPasswordAccepted,
  ForgotPasswordRequest,
  LoginRequest,
  Mailbox,
  MailboxQuery,
  Me,
  ProfileRequest,
  ReportUnauthorizedUseRequest,
  ReportUnauthorizedUseResponse,
  ResetPasswordRequest,
  SecurityReportList,
  SessionList,
  SessionsEnded,
  SignupAccepted,
  SignupConfirmRequest,
  SignupRequest,
} from '@desk/protocol/rest';
import { ok, raw, type RouteDoc } from '../http/openapi/routeDoc.ts';

const rateLimited = '`rate_limited`; the Retry-After header and `retryAfter` say when to retry.';
const invalid = '`validation_failed` (with `fields`), or a more specific code.';

/** The account routes (`/api/auth/*`, security reports, the outbox) for the OpenAPI document. */
export const authRoutes: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/api/auth/signup',
    summary: 'Sign up, step 1: check the form and mail a confirmation link.',
    description:
      'The same answer (202, same body, no cookie) whether or not the email has an account: a new address gets a single-use link valid 24 hours (`/signup/confirm#token=…`); the owner of an existing account gets a note instead. Nothing is created until the link is used.',
    auth: 'public',
    body: SignupRequest,
    responses: {
      202: ok('Check your email.', SignupAccepted),
      400: invalid,
      409: '`slug_taken` (the workspace address; never the email).',
      429: rateLimited,
    },
  },
  {
    method: 'post',
    path: '/api/auth/signup/confirm',
    summary:
      'Sign up, step 2: the emailed token creates the owner account, customer, first workspace and terms acceptance; logs in.',
    description:
      'Single use. `slug` replaces the workspace address from the form when that was taken in the meantime (`409 slug_taken`; the link stays valid).',
    auth: 'public',
    body: SignupConfirmRequest,
    responses: {
      201: ok('Signed up and logged in (sets the session cookie).', Me),
      400: '`token_invalid` (unknown or used link), `token_expired`, or `validation_failed`.',
      409: '`slug_taken`, or `email_taken` when the address got an account meanwhile.',
      429: rateLimited,
    },
  },
  {
    method: 'post',
    path: '/api/auth/login',
    summary: 'Log in with email and password.',
    description:
      'Failed logins are throttled with growing delays, never a lock: per (account, client ' +
      'address), per address, and per account overall; a browser holding a known-device ' +
      'cookie (`desk_device`, set by a successful login) of the account answers only to its ' +
      'own failures. A completed password reset forgets the account’s failures.',
    auth: 'public',
    body: LoginRequest,
    responses: {
      200: ok('Logged in (sets the session cookie and the device cookie).', Me),
      400: invalid,
      401: '`invalid_credentials`.',
      403: '`account_suspended`, `password_reset_required` or `foreign_origin`.',
      429:
        '`rate_limited`: this client must wait after too many failures (even with the right ' +
        'password); the Retry-After header and `retryAfter` give the seconds, which double ' +
        'with each further failure.',
    },
  },
  {
    method: 'post',
    path: '/api/auth/logout',
    summary:
      'End this session (idempotent). Answers `Clear-Site-Data: "cache"`: the browser drops the attachments it cached.',
    auth: 'public',
    responses: { 204: raw('Done.') },
  },
  {
    method: 'post',
    path: '/api/auth/clear-http-cache',
    summary:
      'Answers `Clear-Site-Data: "cache"` (nothing else): a device that lost access to a workspace (member removed, workspace deleted, session revoked) deletes its replica and calls this so the browser also drops the attachment files it cached.',
    auth: 'public',
    responses: { 204: raw('Done.') },
  },
  {
    method: 'post',
    path: '/api/auth/logout-everywhere',
    summary: 'End every session of the user.',
    auth: 'session',
    responses: { 200: ok('Sessions ended.', SessionsEnded) },
  },
  {
    method: 'get',
    path: '/api/auth/me',
    summary: 'The caller and their workspaces (a token sees only its own workspace).',
    auth: 'user',
    responses: { 200: ok('The caller.', Me) },
  },
  {
    method: 'patch',
    path: '/api/auth/me',
    summary: 'Update the profile.',
    auth: 'session',
    body: ProfileRequest,
    responses: { 200: ok('Updated.', Me), 400: invalid },
  },
  {
    method: 'delete',
    path: '/api/auth/me',
    summary: 'Delete the account (the password typed again; a browser session, never a token).',
    description:
      'In one transaction: every session, access token, reset link, pending sign-up, known device and security report of the account is deleted, its memberships end (seats freed, its sockets closed), its private documents are deleted, and the user row is anonymised (email replaced, name "Deleted user", no password) so what it wrote stays with each workspace. Each workspace gets an `account.deleted` audit entry; a confirmation goes to the old address; the session cookie is cleared. The address can sign up again.',
    auth: 'session',
    body: DeleteAccountRequest,
    responses: {
      200: ok('Deleted; the workspaces it left.', AccountDeleted),
      400: invalid,
      403: '`invalid_credentials` (wrong password, `fields.password`), or `forbidden` for an access token.',
      409: '`last_owner`: the user owns these workspaces (`workspaces`); transfer ownership first.',
      429: rateLimited,
    },
  },
  {
    method: 'post',
    path: '/api/auth/terms',
    summary:
      'Accept the terms version in force, or a published later one (recorded with time and client address; audited as `terms.accepted`, once). Every version in force, version 1 included, must be accepted before any other API route or socket answers.',
    auth: 'session',
    body: AcceptTermsRequest,
    responses: { 200: ok('Accepted.', Me), 400: invalid },
  },
  {
    method: 'get',
    path: '/api/auth/sessions',
    summary: 'The sessions of the user (created, last seen, IP, user agent, current).',
    auth: 'session',
    responses: { 200: ok('Sessions.', SessionList) },
  },
  {
    method: 'delete',
    path: '/api/auth/sessions/{id}',
    summary: 'Revoke one session; its live WebSockets close at once.',
    auth: 'session',
    responses: { 204: raw('Revoked.'), 404: '`not_found`.' },
  },
  {
    method: 'post',
    path: '/api/auth/password',
    summary: 'Change the password (needs the current one); ends the other sessions.',
    auth: 'session',
    body: ChangePasswordRequest,
    responses: {
      200: ok('Changed.', SessionsEnded),
      400: '`weak_password` (field `newPassword`) or `validation_failed`.',
      429: rateLimited,
    },
  },
  {
    method: 'post',
    path: '/api/auth/password/forgot',
    summary: 'Mail a single-use reset link (30 minutes). Same answer whether the account exists.',
    auth: 'public',
    body: ForgotPasswordRequest,
    responses: {
      202: ok('Accepted.', ForgotPasswordAccepted),
      400: invalid,
      429: rateLimited,
    },
  },
  {
    method: 'post',
    path: '/api/auth/password/reset',
    summary: 'Set a new password with the emailed token; ends every session.',
    auth: 'public',
    body: ResetPasswordRequest,
    responses: {
      200: ok('Reset.', SessionsEnded),
      400: '`token_invalid`, `token_expired`, `weak_password` or `validation_failed`.',
      429: rateLimited,
    },
  },
  {
    method: 'post',
    path: '/api/auth/report-unauthorized-use',
    summary:
      'Report unauthorized use: ends every session, revokes tokens, locks the account until a reset, records a report, mails a reset link.',
    auth: 'session',
    body: ReportUnauthorizedUseRequest,
    responses: { 200: ok('Reported.', ReportUnauthorizedUseResponse) },
  },
  {
    method: 'get',
    path: '/api/auth/tokens',
    summary: 'The personal access tokens of the user (never their secrets).',
    auth: 'session',
    responses: { 200: ok('Tokens.', AccessTokenList) },
  },
  {
    method: 'post',
    path: '/api/auth/tokens',
    summary: 'Create a token for one workspace; the secret is in this answer only.',
    auth: 'session',
    body: CreateAccessTokenRequest,
    responses: { 201: ok('Created.', CreatedAccessToken), 400: invalid },
  },
  {
    method: 'delete',
    path: '/api/auth/tokens/{id}',
    summary: 'Revoke a token; its live WebSockets close at once.',
    auth: 'session',
    responses: { 204: raw('Revoked.'), 404: '`not_found`.' },
  },
  {
    method: 'get',
    path: '/api/security-reports',
    summary: 'Reports of unauthorized use, newest first (platform operators).',
    auth: 'operator',
    responses: { 200: ok('Reports, newest first.', SecurityReportList) },
  },
  {
    method: 'get',
    path: '/api/mailbox',
    summary:
      'The outbox (mail kept when SMTP_URL is unset): platform operators with a browser session only, whatever the address of the request.',
    auth: 'operator',
    query: MailboxQuery,
    responses: { 200: ok('Messages, newest first.', Mailbox) },
  },
];
