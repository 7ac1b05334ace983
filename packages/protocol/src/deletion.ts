/**
 * Workspace deletion (issue 16) in numbers the server and the app share; no zod here, so
 * the web bundle can import it.
 */

/** Days between a deletion request and the purge; the owner may cancel until then. */
export const WORKSPACE_DELETION_CANCEL_DAYS = 7;

/** Days between a subscription's termination for non-payment and the purge of its data. */
export const TERMINATED_WORKSPACE_PURGE_DAYS = 30;

/** Days before a scheduled purge the owner is emailed a warning (terminated subscriptions). */
export const WORKSPACE_PURGE_WARNING_DAYS: readonly number[] = [7, 1];
