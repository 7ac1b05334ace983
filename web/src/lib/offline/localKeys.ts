/**
 * Names of everything this app keeps in the browser, in one place, so logout can find it
 * all (shared computers: terms §2) and two users of one browser never share a replica.
 */

/** Every IndexedDB database, localStorage and sessionStorage key of the app starts so. */
export const APP_PREFIX = 'desk';

/**
 * The replica of one user: the SyncClient's IndexedDbStore prefix. Keyed by user id so a
 * different user logging in on this browser never sees, nor pushes, another user's edits;
 * the same user logging in again finds their queued offline changes and syncs them.
 */
export function userStorePrefix(userId: string): string {
  return `${APP_PREFIX}:u:${userId}:`;
}

/** The user id a prefix belongs to, or null for databases not keyed by user. */
export function userOfDatabase(name: string): string | null {
  const match = /^desk:u:([^:]+):/.exec(name);
  return match?.[1] ?? null;
}

/** The reply a user is writing on a ticket, kept in localStorage on every keystroke. */
export function replyDraftKey(workspaceId: string, ticketId: string, userId: string): string {
  return `${APP_PREFIX}:draft:${workspaceId}:${ticketId}:${userId}`;
}

/** The user a localStorage key belongs to (a reply draft), or null for the app's own keys. */
export function userOfStorageKey(key: string): string | null {
  const match = /^desk:draft:.+:([^:]+)$/.exec(key);
  return match?.[1] ?? null;
}

/** Docs the background replication has fully synced once (per user, per workspace). */
export function replicatedDbName(userId: string): string {
  return `${userStorePrefix(userId)}replicated`;
}

/**
 * The device's full-text index of one workspace (web/src/lib/search): under the user's
 * prefix, so logout's wipe removes it; a removal from the workspace deletes it by name.
 */
export function searchDbName(userId: string, workspaceId: string): string {
  return `${userStorePrefix(userId)}search:${workspaceId}`;
}

/**
 * The first screen of ticket rows last rendered per workspace and list (issue 15): painted
 * on the next start before the index is decoded. Under the user's prefix (logout's wipe);
 * keys start with the workspace id (a removal from the workspace deletes them).
 */
export function firstScreenDbName(userId: string): string {
  return `${userStorePrefix(userId)}first-screen`;
}

/**
 * The workspace's list of disabled content (terms §4, issue 17) as last heard from the
 * server, one entry per workspace: an offline reload still hides what the operator disabled.
 * Under the user's prefix (logout's wipe); keyed by workspace id (a removal deletes it).
 */
export function disabledItemsDbName(userId: string): string {
  return `${userStorePrefix(userId)}disabled`;
}

/** Attachments picked while offline, waiting for upload. */
export function uploadsDbName(userId: string): string {
  return `${userStorePrefix(userId)}uploads`;
}

/**
 * How much of a workspace this device keeps offline (ReplicationMode), chosen per device:
 * a laptop taken on the road may hold everything, a shared kiosk only what is needed.
 */
export function offlineModeKey(workspaceId: string, userId: string): string {
  return `${APP_PREFIX}:offline-mode:${workspaceId}:${userId}`;
}

/** The workspace's last usage answer, so the app knows it is full also offline. */
export function usageKey(workspaceId: string): string {
  return `${APP_PREFIX}:usage:${workspaceId}`;
}

/** Cache Storage names of the service worker (see src/service-worker.ts). */
export const APP_CACHE_PREFIX = 'desk-app-';
