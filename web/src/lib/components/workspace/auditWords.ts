import { isAuditAction, type AuditAction, type AuditEntry } from '@desk/protocol';

/**
 * What each audit action is called in the audit log (workspace settings, operator console):
 * one entry per action the server records, so a new action does not compile without its
 * words (and auditWords.test.ts checks none is left as its code).
 */
export const AUDIT_ACTION_WORDS: Readonly<Record<AuditAction, string>> = {
  'account.deleted': 'Account deleted',
  'announcement.retried': 'Announcement sent again to those it failed for',
  'announcement.sent': 'Announcement sent',
  'announcements.opted_in': 'Subscribed to announcements again',
  'announcements.opted_out': 'Unsubscribed from announcements',
  'database.restored': 'Database restored from a backup',
  'export.cancelled': 'Export cancelled',
  'export.completed': 'Export ready',
  'export.downloaded': 'Export downloaded',
  'export.expired': 'Export expired and removed',
  'export.failed': 'Export failed',
  'export.requested': 'Export requested',
  'moderation.case_opened': 'Moderation case opened',
  'moderation.item_disabled': 'Content disabled by moderation',
  'moderation.item_enabled': 'Content enabled again by moderation',
  'moderation.item_viewed': 'Operator read the reported item',
  'moderation.report_filed': 'Content reported',
  'operator.created': 'Operator account created',
  'operator.promoted': 'User made an operator',
  'operator.searched': 'Operator searched customers',
  'profile.phone_changed': 'Phone number for announcements changed',
  'snapshot.restore_undone': 'Snapshot restore undone',
  'snapshot.restored': 'Snapshot restored',
  'subscription.plan_changed': 'Plan changed',
  'subscription.seat_limit_changed': 'Seat limit changed',
  'subscription.state_changed': 'Subscription state changed',
  'subscription.trial_end_changed': 'Trial end date changed',
  'support.document_opened': 'Support opened a document',
  'support.request': 'Support request under a grant',
  'support_grant.created': 'Support access granted',
  'support_grant.expired': 'Support access expired',
  'support_grant.revoked': 'Support access revoked',
  'terms.accepted': 'Terms of service accepted',
  'terms.published': 'Terms of service published',
  'user.reinstated': 'User reinstated',
  'user.suspended': 'User suspended',
  'workspace.deletion_cancelled': 'Workspace deletion cancelled',
  'workspace.deletion_purged': 'Workspace purged',
  'workspace.deletion_requested': 'Workspace deletion requested',
  'workspace.deletion_warning_sent': 'Warning of the coming purge sent',
  'workspace.imported': 'Workspace imported from an export',
};

/** The entry's action in words; an action this app does not know (newer server) as its code. */
export function auditActionWords(action: AuditEntry['action']): string {
  return isAuditAction(action) ? AUDIT_ACTION_WORDS[action] : action;
}
