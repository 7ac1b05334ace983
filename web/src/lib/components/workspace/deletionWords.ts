import { WORKSPACE_DELETION_CANCEL_DAYS, type WorkspaceDeletionStatus } from '@desk/protocol';

/** A day people read, in their own time zone. */
export function deletionDay(at: number): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: 'long', timeStyle: 'short' });
}

/** What deleting a workspace does, in the words the danger zone shows before it is asked. */
export const deletionConsequences: readonly string[] = [
  'Nobody can open the workspace any more, from the moment you confirm: its members are shown that it is being deleted, and their devices delete their copies of it.',
  `For ${WORKSPACE_DELETION_CANCEL_DAYS} days you can cancel the deletion from the workspace's page and get everything back as it was.`,
  'After that, every ticket, comment, notice, message, attachment, snapshot, export, invitation and seat record of it is deleted for good. Backups made from then on do not contain it. This cannot be undone.',
];

/** The sentence the page of a closed workspace leads with. */
export function deletionStatusWords(status: WorkspaceDeletionStatus): string {
  const when = status.purgeAfter === null ? null : deletionDay(status.purgeAfter);
  if (status.reason === 'subscription_terminated') {
    return `The subscription of “${status.workspace.name}” ended and its grace period is over: its data is being deleted for good.`;
  }
  return when
    ? `“${status.workspace.name}” is being deleted at its owner's request. Its data will be deleted for good on ${when}.`
    : `“${status.workspace.name}” is being deleted at its owner's request.`;
}
