import type {
  AccessTokenList,
  AccountDeleted,
  ChangePasswordRequest,
  CreateAccessTokenRequest,
  CreatedAccessToken,
  DeleteAccountRequest,
  ForgotPasswordAccepted,
  LoginRequest,
  Mailbox,
  Me,
  ProfileRequest,
  ReportUnauthorizedUseResponse,
  ResetPasswordRequest,
  SessionList,
  SessionsEnded,
  SignupAccepted,
  SignupConfirmRequest,
  SignupRequest,
} from '@desk/protocol';
import { api } from './api.ts';

/** Typed calls to the account routes of the server (`/api/auth/*`, the outbox). */
export const authApi = {
  me: () => api<Me>('/api/auth/me'),
  /** Step 1: answers `check_email` whether or not the address has an account. */
  signup: (body: SignupRequest) =>
    api<SignupAccepted>('/api/auth/signup', { method: 'POST', body }),
  /** Step 2, from the emailed link: creates the account and logs in. */
  confirmSignup: (body: SignupConfirmRequest) =>
    api<Me>('/api/auth/signup/confirm', { method: 'POST', body }),
  login: (body: LoginRequest) => api<Me>('/api/auth/login', { method: 'POST', body }),
  logout: () => api<void>('/api/auth/logout', { method: 'POST', body: {} }),
  logoutEverywhere: () =>
    api<SessionsEnded>('/api/auth/logout-everywhere', { method: 'POST', body: {} }),
  acceptTerms: (version: string) =>
    api<Me>('/api/auth/terms', { method: 'POST', body: { version } }),
  updateProfile: (body: ProfileRequest) => api<Me>('/api/auth/me', { method: 'PATCH', body }),
  /** Refused with `last_owner` (the message names the workspaces) while the user owns one. */
  deleteAccount: (body: DeleteAccountRequest) =>
    api<AccountDeleted>('/api/auth/me', { method: 'DELETE', body }),
  changePassword: (body: ChangePasswordRequest) =>
    api<SessionsEnded>('/api/auth/password', { method: 'POST', body }),
  forgotPassword: (email: string) =>
    api<ForgotPasswordAccepted>('/api/auth/password/forgot', {
      method: 'POST',
      body: { email },
    }),
  resetPassword: (body: ResetPasswordRequest) =>
    api<SessionsEnded>('/api/auth/password/reset', { method: 'POST', body }),
  sessions: () => api<SessionList>('/api/auth/sessions'),
  revokeSession: (id: string) =>
    api<void>(`/api/auth/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  tokens: () => api<AccessTokenList>('/api/auth/tokens'),
  createToken: (body: CreateAccessTokenRequest) =>
    api<CreatedAccessToken>('/api/auth/tokens', { method: 'POST', body }),
  revokeToken: (id: string) =>
    api<void>(`/api/auth/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  reportUnauthorizedUse: (note: string) =>
    api<ReportUnauthorizedUseResponse>('/api/auth/report-unauthorized-use', {
      method: 'POST',
      body: note ? { note } : {},
    }),
  mailbox: () => api<Mailbox>('/api/mailbox'),
};
