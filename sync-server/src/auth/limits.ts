import type { RateLimit } from './RateLimiter.ts';

const minute = 60 * 1000;
const hour = 60 * minute;

/**
 * Rate limits of the account routes, per client address and per account (email). Each is
 * a sliding window in the database (RateLimiter). Per-account limits stop a distributed
 * guess at one password; per-address limits stop one client spraying many accounts.
 */
export const authLimits = {
  /** @default 30 per 15 minutes — a shared office address logs in often. */
  loginPerIp: { limit: 30, windowMs: 15 * minute },
  /** @default 10 per 15 minutes — the password-guessing budget of one account. */
  loginPerAccount: { limit: 10, windowMs: 15 * minute },
  /** @default 10 per hour — sign-ups create customers and workspaces. */
  signupPerIp: { limit: 10, windowMs: hour },
  /** @default 5 per hour — repeated sign-up attempts for one address. */
  signupPerAccount: { limit: 5, windowMs: hour },
  /** @default 10 per hour — each request may send an email. */
  resetRequestPerIp: { limit: 10, windowMs: hour },
  /** @default 3 per hour — no mail-bombing a user with reset links. */
  resetRequestPerAccount: { limit: 3, windowMs: hour },
  /** @default 20 per 15 minutes — guessing reset tokens is hopeless anyway (160 bits). */
  resetConfirmPerIp: { limit: 20, windowMs: 15 * minute },
  /** @default 10 per 15 minutes — a stolen session must not guess the current password. */
  passwordChangePerAccount: { limit: 10, windowMs: 15 * minute },
} as const satisfies Record<string, RateLimit>;
