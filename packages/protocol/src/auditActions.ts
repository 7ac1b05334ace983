/**
 * Every action the server records in the audit log (`AuditEntry.action`), a dotted verb:
 * the closed list the server may record (its `AuditStore.record` takes only these) and the
 * web app has words for (a test fails when one has none). Entries written before an action
 * was renamed may still carry an older code; the UI shows those as they are.
 */
export const AUDIT_ACTIONS = [
  'account.deleted',
  'announcement.retried',
  'announcement.sent',
  'announcements.opted_in',
  'announcements.opted_out',
  'database.restored',
  'export.cancelled',
  'export.completed',
  'export.downloaded',
  'export.expired',
  'export.failed',
  'export.requested',
  'moderation.case_opened',
  'moderation.item_disabled',
  'moderation.item_enabled',
  'moderation.item_viewed',
  'moderation.report_filed',
  'operator.created',
  'operator.promoted',
  'operator.searched',
  'profile.phone_changed',
  'snapshot.restore_undone',
  'snapshot.restored',
  'subscription.plan_changed',
  'subscription.seat_limit_changed',
  'subscription.state_changed',
  'subscription.trial_end_changed',
  'support.document_opened',
  'support.request',
  'support_grant.created',
  'support_grant.expired',
  'support_grant.revoked',
  'terms.accepted',
  'terms.published',
  'user.reinstated',
  'user.suspended',
  'workspace.deletion_cancelled',
  'workspace.deletion_purged',
  'workspace.deletion_requested',
  'workspace.deletion_warning_sent',
  'workspace.imported',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

const known = new Set<string>(AUDIT_ACTIONS);

/** True for an action of the list (an entry's `action` is a plain string on the wire). */
export function isAuditAction(action: string): action is AuditAction {
  return known.has(action);
}
