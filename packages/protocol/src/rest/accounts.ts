/**
 * REST bodies of the account routes (`/api/auth/*`, `/api/security-reports`, `/api/mailbox`):
 * requests as the server validates them, responses as it answers them.
 */
import { z } from 'zod';
import { WORKSPACE_ROLES } from '../workspaces.ts';
import { Millis } from './common.ts';

/**
 * A phone number in international form, E.164 once the separators people type are left out:
 * `+`, a country code that does not start with 0, 7 to 15 digits in all (`+49 30 1234567`).
 * Without the country code the operator could not tell which country to call. Empty means
 * none. Stored as typed (shown to its owner as they wrote it); used only to tell the user
 * about new features and for support (terms §3).
 */
const PHONE_PATTERN = /^\+[1-9][0-9]{6,14}$/;
const phone = z
  .string()
  .trim()
  .max(40, 'Use at most 40 characters.')
  .regex(/^[+0-9 ()./-]*$/, 'Use digits, spaces and + ( ) - . / only.')
  .refine(
    (value) => value === '' || PHONE_PATTERN.test(value.replace(/[ ()./-]/g, '')),
    'Enter the number with its country code, starting with + (e.g. +49 30 1234567).',
  );

export const SignupRequest = z.object({
  email: z.string().max(254),
  password: z.string(),
  displayName: z.string().trim().min(1, 'Enter your name.').max(100, 'Use at most 100 characters.'),
  phone: phone.optional(),
  customer: z.object({
    kind: z.enum(['organization', 'person']),
    name: z.string(),
  }),
  workspace: z.object({ name: z.string(), slug: z.string() }),
  acceptTerms: z.boolean(),
});
export type SignupRequest = z.input<typeof SignupRequest>;

/** The one answer of a valid sign-up form, whoever owns the address. */
export const SignupAccepted = z.strictObject({
  status: z.literal('check_email'),
  message: z.string(),
});
export type SignupAccepted = z.infer<typeof SignupAccepted>;

export const SignupConfirmRequest = z.object({
  token: z.string().max(200),
  /** Another workspace address, when the one on the form was taken in the meantime. */
  slug: z.string().max(100).optional(),
});
export type SignupConfirmRequest = z.input<typeof SignupConfirmRequest>;

export const LoginRequest = z.object({
  email: z.string().max(254),
  password: z.string().max(1024),
});
export type LoginRequest = z.input<typeof LoginRequest>;

export const AcceptTermsRequest = z.object({ version: z.string() });
export type AcceptTermsRequest = z.input<typeof AcceptTermsRequest>;

export const ProfileRequest = z.object({
  displayName: z.string().trim().min(1, 'Enter your name.').max(100).optional(),
  phone: phone.nullable().optional(),
});
export type ProfileRequest = z.input<typeof ProfileRequest>;

export const ChangePasswordRequest = z.object({
  currentPassword: z.string().max(1024),
  newPassword: z.string(),
});
export type ChangePasswordRequest = z.input<typeof ChangePasswordRequest>;

export const ForgotPasswordRequest = z.object({ email: z.string().max(254) });
export type ForgotPasswordRequest = z.input<typeof ForgotPasswordRequest>;

export const ForgotPasswordAccepted = z.strictObject({ message: z.string() });
export type ForgotPasswordAccepted = z.infer<typeof ForgotPasswordAccepted>;

export const ResetPasswordRequest = z.object({ token: z.string().max(200), password: z.string() });
export type ResetPasswordRequest = z.input<typeof ResetPasswordRequest>;

export const ReportUnauthorizedUseRequest = z.object({
  note: z.string().trim().max(2000).optional(),
});
export type ReportUnauthorizedUseRequest = z.input<typeof ReportUnauthorizedUseRequest>;

export const ReportUnauthorizedUseResponse = z.strictObject({
  reportId: z.string(),
  sessionsEnded: z.number().int(),
  tokensRevoked: z.number().int(),
});
export type ReportUnauthorizedUseResponse = z.infer<typeof ReportUnauthorizedUseResponse>;

/** A workspace the caller may use, as `me` lists it. */
export const UserWorkspace = z.strictObject({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  role: z.enum(WORKSPACE_ROLES),
});
export type UserWorkspace = z.infer<typeof UserWorkspace>;

/** `GET /api/auth/me`, and the answer of a login or a confirmed sign-up. */
export const Me = z.strictObject({
  user: z.strictObject({
    id: z.string(),
    email: z.string(),
    displayName: z.string(),
    phone: z.string().nullable(),
    platformRole: z.literal('operator').nullable(),
  }),
  /** Workspaces the caller may use; an access token sees only its own. */
  workspaces: z.array(UserWorkspace),
  /**
   * The terms version in force and whether this user has accepted it; `required` when the
   * server refuses the user's API and sync requests until they do (`terms_not_accepted`);
   * `upcoming` is a published version not in force yet that the user has not accepted.
   */
  terms: z.strictObject({
    currentVersion: z.string(),
    accepted: z.boolean(),
    required: z.boolean(),
    upcoming: z.strictObject({ version: z.string(), effectiveAt: Millis }).nullable(),
  }),
  /** How the caller authenticated. */
  via: z.enum(['session', 'token']),
});
export type Me = z.infer<typeof Me>;

/** A login session of the user (`GET /api/auth/sessions`). */
export const SessionInfo = z.strictObject({
  id: z.string(),
  createdAt: Millis,
  lastSeenAt: Millis,
  expiresAt: Millis,
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  /** The session this request came with. */
  current: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const SessionList = z.strictObject({ sessions: z.array(SessionInfo) });
export type SessionList = z.infer<typeof SessionList>;

/** A personal access token, never its secret (`GET /api/auth/tokens`). */
export const AccessTokenInfo = z.strictObject({
  id: z.string(),
  name: z.string(),
  workspaceId: z.string(),
  workspaceSlug: z.string(),
  createdAt: Millis,
  expiresAt: Millis.nullable(),
  lastUsedAt: Millis.nullable(),
});
export type AccessTokenInfo = z.infer<typeof AccessTokenInfo>;

export const AccessTokenList = z.strictObject({ tokens: z.array(AccessTokenInfo) });
export type AccessTokenList = z.infer<typeof AccessTokenList>;

export const CreateAccessTokenRequest = z.object({
  name: z.string().trim().min(1, 'Name the token.').max(100, 'Use at most 100 characters.'),
  workspaceId: z.string().min(1, 'Choose a workspace.'),
  /** Days until the token expires; null or absent: until revoked. */
  expiresInDays: z.number().int().min(1).max(3650).nullable().optional(),
});
export type CreateAccessTokenRequest = z.input<typeof CreateAccessTokenRequest>;

/** A new token: the only answer that carries its secret. */
export const CreatedAccessToken = z.strictObject({
  id: z.string(),
  name: z.string(),
  workspaceId: z.string(),
  workspaceSlug: z.string(),
  expiresAt: Millis.nullable(),
  token: z.string(),
});
export type CreatedAccessToken = z.infer<typeof CreatedAccessToken>;

/** A report of unauthorized use, as platform operators list them. */
export const SecurityReport = z.strictObject({
  id: z.string(),
  user: z.strictObject({ id: z.string(), email: z.string(), displayName: z.string() }),
  kind: z.string(),
  note: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  sessionsEnded: z.number().int(),
  createdAt: Millis,
});
export type SecurityReport = z.infer<typeof SecurityReport>;

export const SecurityReportList = z.strictObject({ reports: z.array(SecurityReport) });
export type SecurityReportList = z.infer<typeof SecurityReportList>;

export const MailboxQuery = z.object({ to: z.string().optional() });

/** A message kept in the outbox (no SMTP server configured). */
export const MailboxMessage = z.strictObject({
  id: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  createdAt: Millis,
});
export type MailboxMessage = z.infer<typeof MailboxMessage>;

export const Mailbox = z.strictObject({
  delivery: z.enum(['outbox', 'smtp']),
  messages: z.array(MailboxMessage),
});
export type Mailbox = z.infer<typeof Mailbox>;

/** Deleting one's own account: the current password, typed again. */
export const DeleteAccountRequest = z.object({ password: z.string().max(1024) });
export type DeleteAccountRequest = z.input<typeof DeleteAccountRequest>;

export const AccountDeleted = z.strictObject({
  /** Names of the workspaces the account left (each got an `account.deleted` audit entry). */
  leftWorkspaces: z.array(z.string()),
});
export type AccountDeleted = z.infer<typeof AccountDeleted>;
