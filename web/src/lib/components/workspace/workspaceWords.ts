import type { ReadOnlyReason, SubscriptionState, WorkspaceRole } from '@desk/protocol';

/** Workspace roles, states and read-only reasons in words, and the dates and sizes pages show. */
export const roleLabels: Record<WorkspaceRole, string> = {
  owner: 'Owner',
  admin: 'Admin',
  agent: 'Agent',
  viewer: 'Viewer (read-only)',
};

export const stateLabels: Record<SubscriptionState, string> = {
  trialing: 'Trial',
  active: 'Active',
  past_due: 'Payment overdue',
  suspended: 'Suspended',
  terminated: 'Terminated',
};

/** Why a workspace is read-only, in words, with what to do about it. */
export const readOnlyExplanations: Record<ReadOnlyReason, string> = {
  viewer: 'You are a viewer in this workspace: you can read everything but not change it.',
  trial_expired:
    'The trial has ended, so this workspace is read-only. Nothing is deleted; the owner can subscribe to a plan to continue. Exports still work.',
  suspended:
    'This workspace is suspended and read-only. Nothing is deleted; the owner can settle the subscription to reactivate it. Exports still work.',
  terminated:
    'The subscription has ended. The workspace is read-only until its data is deleted at the end of the grace period; export what you need.',
};

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

export const formatDate = (ms: number) => new Date(ms).toLocaleDateString();
export const formatDateTime = (ms: number) => new Date(ms).toLocaleString();
