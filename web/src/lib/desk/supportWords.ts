import type { WorkspaceInfo } from '@desk/protocol';

/**
 * What the desk says on every page to an operator who is in a workspace under the customer's
 * support grant (terms §3): that it is there at the customer's request, what it may do, until
 * when, and that the customer sees what it opens.
 */
export function supportAccessWords(support: NonNullable<WorkspaceInfo['support']>): string {
  const what = support.access === 'write' ? 'you may read and change' : 'read-only';
  const until = new Date(support.expiresAt).toLocaleString();
  return `Support access at the customer's request (${what}) until ${until}. Everything you open is in the customer's audit log.`;
}
