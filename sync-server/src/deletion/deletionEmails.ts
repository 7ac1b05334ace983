import type { WorkspaceDeletionReason } from '@desk/protocol';
import type { Config } from '../config/config.ts';
import type { MailMessage } from '../mail/Mailer.ts';
import { renderEmail } from '../mail/renderEmail.ts';

interface Owner {
  email: string;
  displayName: string;
}

/** A date people read (UTC, so every reader sees the same day). */
function day(at: number): string {
  return new Date(at).toUTCString().replace(/ \d\d:\d\d:\d\d GMT$/, ' (UTC)');
}

function statusUrl(config: Config, slug: string): string {
  return `${config.PUBLIC_URL}/w/${encodeURIComponent(slug)}`;
}

/** To the owner when they asked: what happens, and until when they can cancel. */
export function deletionRequestedEmail(
  config: Config,
  owner: Owner,
  workspace: { name: string; slug: string },
  purgeAfter: number,
): MailMessage {
  return renderEmail({
    to: owner.email,
    subject: `“${workspace.name}” will be deleted`,
    greeting: `Hello ${owner.displayName},`,
    paragraphs: [
      `You asked to delete the workspace “${workspace.name}”. Nobody can open it any more, and its members' devices delete their copies.`,
      `On ${day(purgeAfter)} every ticket, message, attachment, snapshot, export and invitation of it is deleted for good, and later backups no longer contain it.`,
      'Until then you can cancel the deletion and get the workspace back as it was.',
    ],
    action: { label: 'Cancel the deletion', url: statusUrl(config, workspace.slug) },
  });
}

/** To the owner when they cancelled. */
export function deletionCancelledEmail(
  config: Config,
  owner: Owner,
  workspace: { name: string; slug: string },
): MailMessage {
  return renderEmail({
    to: owner.email,
    subject: `“${workspace.name}” will not be deleted`,
    greeting: `Hello ${owner.displayName},`,
    paragraphs: [
      `The deletion of “${workspace.name}” was cancelled. The workspace is open again, with everything it held.`,
    ],
    action: { label: 'Open the workspace', url: statusUrl(config, workspace.slug) },
  });
}

/** Before a scheduled purge: days left, and what the owner can still do. */
export function purgeWarningEmail(
  config: Config,
  owner: Owner,
  workspace: { name: string; slug: string },
  reason: WorkspaceDeletionReason,
  purgeAfter: number,
  daysBefore: number,
): MailMessage {
  const when = daysBefore === 1 ? 'tomorrow' : `in ${daysBefore} days`;
  const what =
    reason === 'subscription_terminated'
      ? 'Its subscription was terminated for non-payment and the 30-day grace period ends then. Settle the subscription before that date to keep the workspace; meanwhile it is read-only and you can export its data.'
      : 'You asked to delete it. You can still cancel the deletion until then.';
  return renderEmail({
    to: owner.email,
    subject: `“${workspace.name}” will be deleted ${when}`,
    greeting: `Hello ${owner.displayName},`,
    paragraphs: [
      `The workspace “${workspace.name}” and all of its data will be deleted for good on ${day(purgeAfter)}.`,
      what,
    ],
    action: { label: 'Open the workspace', url: statusUrl(config, workspace.slug) },
  });
}

/** After the purge: it is done. */
export function purgedEmail(owner: Owner, workspaceName: string): MailMessage {
  return renderEmail({
    to: owner.email,
    subject: `“${workspaceName}” was deleted`,
    greeting: `Hello ${owner.displayName},`,
    paragraphs: [
      `The workspace “${workspaceName}” and all of its data were deleted for good. Backups made from now on do not contain it; older backups are rotated out on their usual schedule.`,
    ],
  });
}
