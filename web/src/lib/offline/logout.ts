import { count } from './describeSync.ts';
import { hasUnsyncedWork, unsyncedWork, unsyncedWorkOfAnyone, wipeLocalData } from './localData.ts';

/**
 * Before logging out: if this user's replica holds work the server does not have, say what
 * would be lost and ask. With no user known (offline, the account could not be loaded),
 * every replica on this device counts. Returns whether to go on.
 */
export async function confirmLogout(userId: string | null): Promise<boolean> {
  const work = await (userId ? unsyncedWork(userId) : unsyncedWorkOfAnyone()).catch(() => ({
    docs: 0,
    drafts: 0,
    uploads: 0,
    replies: 0,
  }));
  if (!hasUnsyncedWork(work)) return true;
  const parts = [
    work.docs ? `${count(work.docs, 'document')} with changes not yet on the server` : '',
    work.uploads ? `${count(work.uploads, 'attachment')} not uploaded` : '',
    work.drafts ? `${count(work.drafts, 'refused change')} kept as drafts` : '',
    work.replies ? `${count(work.replies, 'reply', 'replies')} being written` : '',
  ].filter(Boolean);
  return confirm(
    `This device holds ${parts.join(', ')}. Logging out deletes them from this device. Log out anyway?`,
  );
}

/** After logging out (or when the server cannot be told): remove the local replica and caches. */
export async function clearAfterLogout(userId: string | null): Promise<void> {
  try {
    await wipeLocalData(userId);
  } catch (error) {
    // Logging out must not fail because the browser refused a deletion; say so in the console.
    console.error('Could not remove all local data', error);
  }
}
