import type { Config } from '../config/config.ts';
import type { MailMessage } from '../mail/Mailer.ts';
import { renderEmail } from '../mail/renderEmail.ts';

function resetUrl(config: Config, token: string): string {
  return `${config.PUBLIC_URL}/reset?token=${encodeURIComponent(token)}`;
}

export function passwordResetEmail(
  config: Config,
  to: { email: string; displayName: string },
  token: string,
): MailMessage {
  return renderEmail({
    to: to.email,
    subject: 'Reset your password',
    greeting: `Hello ${to.displayName},`,
    paragraphs: [
      'Someone (we hope you) asked to reset the password of your account.',
      'If it was not you, ignore this message: your password stays as it is.',
    ],
    action: { label: 'Choose a new password', url: resetUrl(config, token) },
    footnote: 'This link works once and expires in 30 minutes.',
  });
}

export function passwordChangedEmail(
  config: Config,
  to: { email: string; displayName: string },
): MailMessage {
  return renderEmail({
    to: to.email,
    subject: 'Your password was changed',
    greeting: `Hello ${to.displayName},`,
    paragraphs: [
      'The password of your account was just changed, and your other sessions were logged out.',
      'If you did not do this, reset your password now and report unauthorized use from your account settings.',
    ],
    action: { label: 'Reset your password', url: `${config.PUBLIC_URL}/forgot` },
  });
}

export function unauthorizedUseEmail(
  config: Config,
  to: { email: string; displayName: string },
  token: string,
  sessionsEnded: number,
): MailMessage {
  return renderEmail({
    to: to.email,
    subject: 'We received your report of unauthorized use',
    greeting: `Hello ${to.displayName},`,
    paragraphs: [
      `You reported unauthorized use of your account. We logged out all ${sessionsEnded} of its sessions, revoked its access tokens and told the operator of this service.`,
      'Your account is locked until you choose a new password with the link below.',
    ],
    action: { label: 'Choose a new password', url: resetUrl(config, token) },
    footnote:
      'This link works once and expires in 30 minutes. If it expires, use "Forgot password" on the login page.',
  });
}

/** The link that finishes a sign-up; the token rides in the fragment, as invitations do. */
export function confirmSignupEmail(
  config: Config,
  to: { email: string; displayName: string },
  token: string,
): MailMessage {
  return renderEmail({
    to: to.email,
    subject: 'Confirm your email to finish signing up',
    greeting: `Hello ${to.displayName},`,
    paragraphs: [
      'Someone (we hope you) asked to create a service desk with this email address.',
      'Open the link below to confirm the address and finish creating your account. If it was not you, ignore this message: no account is made.',
    ],
    action: {
      label: 'Finish signing up',
      url: `${config.PUBLIC_URL}/signup/confirm#token=${encodeURIComponent(token)}`,
    },
    footnote: 'This link works once and expires in 24 hours.',
  });
}

/**
 * What the owner of an existing account receives when someone signs up with its address:
 * sign-up answers the same either way, so this mail is the only place the difference shows.
 */
export function signupAttemptEmail(
  config: Config,
  to: { email: string; displayName: string },
): MailMessage {
  return renderEmail({
    to: to.email,
    subject: 'Someone tried to sign up with your address',
    greeting: `Hello ${to.displayName},`,
    paragraphs: [
      'Someone just tried to create a new account with this email address, which already has an account here. No second account was made.',
      `If it was you, log in instead, or reset your password if you forgot it: ${config.PUBLIC_URL}/forgot`,
      'If it was not you, you need not do anything: your account is unchanged.',
    ],
    action: { label: 'Log in', url: `${config.PUBLIC_URL}/login` },
  });
}

export function accountDeletedEmail(
  config: Config,
  to: { email: string; displayName: string },
  leftWorkspaces: readonly string[],
): MailMessage {
  return renderEmail({
    to: to.email,
    subject: 'Your account was deleted',
    greeting: `Hello ${to.displayName},`,
    paragraphs: [
      'Your account was deleted at your request: its sessions, access tokens and personal data are gone, and you can no longer log in.',
      leftWorkspaces.length > 0
        ? `What you wrote in ${leftWorkspaces.join(', ')} stays with the workspace, shown as written by "Deleted user".`
        : 'You were not a member of any workspace.',
      `You can sign up again with this address at any time: ${config.PUBLIC_URL}/signup`,
    ],
  });
}
