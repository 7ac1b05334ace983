import type { SnapshotSummary } from '@desk/protocol';

/** Snapshot times, scopes, sizes and triggers in words. */
export function formatWhen(at: number): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** What a restore restored (`restoreOf.scope` of a pre-restore snapshot), in words. */
export function scopeWords(scope: string): string {
  if (scope === 'workspace') return 'the whole workspace';
  const [kind] = scope.split(':');
  return kind === 'ticket' ? 'a ticket' : 'a notice';
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export const triggerLabel: Record<SnapshotSummary['trigger'], string> = {
  schedule: 'Automatic',
  manual: 'Manual',
  pre_restore: 'Before a restore',
};
