import { api } from '$lib/api/api.ts';

/** `GET /api/auth/me`, and the answer of a login or a confirmed sign-up. */
export interface Me {
  user: {
    id: string;
    email: string;
    displayName: string;
    phone: string | null;
    platformRole: 'operator' | null;
  };
  workspaces: { id: string; slug: string; name: string; role: string }[];
  /** `required`: the server refuses the API and sync until accepted (`terms_not_accepted`). */
  terms: {
    currentVersion: string;
    accepted: boolean;
    required: boolean;
    upcoming: { version: string; effectiveAt: number } | null;
  };
  via: 'session' | 'token';
}

export interface SignupInput {
  email: string;
  password: string;
  displayName: string;
  phone?: string;
  customer: { kind: 'organization' | 'person'; name: string };
  workspace: { name: string; slug: string };
  acceptTerms: boolean;
}

export interface SessionInfo {
  id: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

export interface AccessTokenInfo {
  id: string;
  name: string;
  workspaceId: string;
  workspaceSlug: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
}

export interface MailboxMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  createdAt: number;
}

/** Typed calls to the account routes of the server (`/api/auth/*`). */
export const authApi = {
  me: () => api<Me>('/api/auth/me'),
  /** Step 1: answers `check_email` whether or not the address has an account. */
  signup: (body: SignupInput) =>
    api<{ status: 'check_email'; message: string }>('/api/auth/signup', { method: 'POST', body }),
  /** Step 2, from the emailed link: creates the account and logs in. */
  confirmSignup: (body: { token: string; slug?: string }) =>
    api<Me>('/api/auth/signup/confirm', { method: 'POST', body }),
  login: (body: { email: string; password: string }) =>
    api<Me>('/api/auth/login', { method: 'POST', body }),
  logout: () => api<void>('/api/auth/logout', { method: 'POST', body: {} }),
  logoutEverywhere: () =>
    api<{ sessionsEnded: number }>('/api/auth/logout-everywhere', { method: 'POST', body: {} }),
  acceptTerms: (version: string) =>
    api<Me>('/api/auth/terms', { method: 'POST', body: { version } }),
  updateProfile: (body: { displayName?: string; phone?: string | null }) =>
    api<Me>('/api/auth/me', { method: 'PATCH', body }),
  changePassword: (body: { currentPassword: string; newPassword: string }) =>
    api<{ sessionsEnded: number }>('/api/auth/password', { method: 'POST', body }),
  forgotPassword: (email: string) =>
    api<{ message: string }>('/api/auth/password/forgot', { method: 'POST', body: { email } }),
  resetPassword: (body: { token: string; password: string }) =>
    api<{ sessionsEnded: number }>('/api/auth/password/reset', { method: 'POST', body }),
  sessions: () => api<{ sessions: SessionInfo[] }>('/api/auth/sessions'),
  revokeSession: (id: string) =>
    api<void>(`/api/auth/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  tokens: () => api<{ tokens: AccessTokenInfo[] }>('/api/auth/tokens'),
  createToken: (body: { name: string; workspaceId: string; expiresInDays: number | null }) =>
    api<{
      id: string;
      token: string;
      name: string;
      workspaceSlug: string;
      expiresAt: number | null;
    }>('/api/auth/tokens', { method: 'POST', body }),
  revokeToken: (id: string) =>
    api<void>(`/api/auth/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  reportUnauthorizedUse: (note: string) =>
    api<{ sessionsEnded: number; tokensRevoked: number }>('/api/auth/report-unauthorized-use', {
      method: 'POST',
      body: note ? { note } : {},
    }),
  mailbox: () => api<{ delivery: 'outbox' | 'smtp'; messages: MailboxMessage[] }>('/api/mailbox'),
};
