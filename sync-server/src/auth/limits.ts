import type { Backoff } from './LoginThrottle.ts';
import type { RateLimit } from '../http/rateLimit/index.ts';

const minute = 60 * 1000;
const hour = 60 * minute;
const second = 1000;

/**
 * Login throttling (LoginThrottle): failed logins only, each key with free failures and then
 * a delay that doubles per further failure up to a cap — never a hard lock. Which keys apply
 * depends on the client: without a device cookie, (account, address) + address + account;
 * with a known device of the account, only that device's key. So a stranger guessing at an
 * email slows only themselves, and at worst slows the owner's *new* devices by the account
 * ceiling's cap; the owner's known browsers and existing sessions are never held back.
 */
export const loginBackoff = {
  /**
   * @default 5 free, then 1 s doubling to 1 hour, failures counted over 24 hours — the
   * budget of one client guessing one account: about 40 guesses a day.
   */
  perAccountAndAddress: {
    freeFailures: 5,
    baseDelayMs: second,
    maxDelayMs: hour,
    windowMs: 24 * hour,
  },
  /**
   * @default 30 free, then 1 s doubling to 15 minutes, over 1 hour — one address spraying
   * many accounts; a shared office's typing mistakes stay far below it.
   */
  perAddress: { freeFailures: 30, baseDelayMs: second, maxDelayMs: 15 * minute, windowMs: hour },
  /**
   * @default 100 free, then 1 s doubling to 15 minutes, over 24 hours — the ceiling of a
   * guess spread over many addresses (about 200 a day). High, so that it rarely touches the
   * owner; capped at 15 minutes, so that even then a new device waits at most that long.
   */
  perAccount: {
    freeFailures: 100,
    baseDelayMs: second,
    maxDelayMs: 15 * minute,
    windowMs: 24 * hour,
  },
  /**
   * @default 10 free, then 1 s doubling to 15 minutes, over 24 hours — the owner's own
   * browser with a forgotten password, or a stolen device cookie: never faster than a client.
   */
  perKnownDevice: {
    freeFailures: 10,
    baseDelayMs: second,
    maxDelayMs: 15 * minute,
    windowMs: 24 * hour,
  },
} as const satisfies Record<string, Backoff>;

/**
 * Rate limits of the other account routes, per client address and per account (email). Each
 * is a sliding window in the database (RateLimiter). Per-account limits stop a distributed
 * guess at one password; per-address limits stop one client spraying many accounts.
 */
export const authLimits = {
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
