/**
 * Support-access grants (terms §3, issue 16): the limits and words both the server and the
 * app use. No zod here, so the web bundle can import the values (the schemas are in
 * `rest/support.ts`).
 */
const HOUR_MS = 60 * 60 * 1000;

/** Shortest grant: an hour is enough to look at one problem. */
export const SUPPORT_GRANT_MIN_MS = HOUR_MS;
/** Longest grant: a week; a longer look needs a new grant, so the customer decides again. */
export const SUPPORT_GRANT_MAX_MS = 7 * 24 * HOUR_MS;

/** What a grant lets the operator do: read only (the default), or also write. */
export const SUPPORT_GRANT_ACCESS = ['read', 'write'] as const;
export type SupportGrantAccessLevel = (typeof SUPPORT_GRANT_ACCESS)[number];

/** Where a grant is in its life: `active` until it expires or is revoked. */
export const SUPPORT_GRANT_STATUSES = ['active', 'expired', 'revoked'] as const;
export type SupportGrantStatusName = (typeof SUPPORT_GRANT_STATUSES)[number];
