import type { RateLimit } from '../http/rateLimit/index.ts';

const minute = 60 * 1000;
const hour = 60 * minute;

/** Rate limits of the workspace routes (sliding windows in the database, see RateLimiter). */
export const workspaceLimits = {
  /** @default 50 per hour per inviting user — each invitation sends an email. */
  invitationsPerUser: { limit: 50, windowMs: hour },
  /** @default 200 per day per workspace — bounds mail from one workspace whoever sends it. */
  invitationsPerWorkspace: { limit: 200, windowMs: 24 * hour },
  /** @default 10 per day per user — each new workspace starts a free trial. */
  workspacesPerUser: { limit: 10, windowMs: 24 * hour },
  /** @default 30 per 15 minutes per address — looking up or accepting invitation links. */
  invitationUsePerIp: { limit: 30, windowMs: 15 * minute },
} as const satisfies Record<string, RateLimit>;
