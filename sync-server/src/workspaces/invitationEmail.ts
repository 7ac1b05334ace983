import type { MailMessage } from '../mail/Mailer.ts';
import { renderEmail } from '../mail/renderEmail.ts';
import { INVITATION_LIFETIME_MS } from './InvitationStore.ts';

/**
 * The invitation link puts the token in the URL fragment: browsers never send the
 * fragment to the server, so it stays out of access logs, proxies and Referer headers.
 */
export function invitationUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/invite#token=${encodeURIComponent(token)}`;
}

export function invitationEmail(input: {
  to: string;
  inviterName: string;
  workspaceName: string;
  role: string;
  url: string;
}): MailMessage {
  const days = Math.round(INVITATION_LIFETIME_MS / (24 * 60 * 60 * 1000));
  return renderEmail({
    to: input.to,
    subject: `${input.inviterName} invited you to ${input.workspaceName}`,
    greeting: 'Hello,',
    paragraphs: [
      `${input.inviterName} invited you to join the workspace “${input.workspaceName}” as ${/^[aeiou]/.test(input.role) ? 'an' : 'a'} ${input.role}.`,
      'Open the link to choose a name and a password, or to log in if you already have an account with this address.',
    ],
    action: { label: 'Accept the invitation', url: input.url },
    footnote: `The link works once and expires in ${days} days. If you did not expect this invitation, ignore this email.`,
  });
}
