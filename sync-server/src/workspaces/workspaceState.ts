import { ErrorCode } from '@desk/protocol';
import type { SubscriptionStore } from '../billing/SubscriptionStore.ts';
import type { WorkspaceReadOnlyReason } from '../billing/SubscriptionState.ts';
import { AppError } from '../http/AppError.ts';

/** The typed error for a change refused because of the workspace's subscription state. */
export function readOnlyError(reason: WorkspaceReadOnlyReason): AppError {
  switch (reason) {
    case 'trial_expired':
      return new AppError(
        ErrorCode.workspaceReadOnly,
        409,
        'The trial of this workspace has ended, so it is read-only. The owner can subscribe to a plan to continue.',
      );
    case 'suspended':
      return new AppError(
        ErrorCode.workspaceSuspended,
        409,
        'This workspace is suspended and read-only. Nothing is deleted; the owner can settle the subscription to reactivate it.',
      );
    case 'terminated':
      return new AppError(
        ErrorCode.workspaceTerminated,
        409,
        'The subscription of this workspace has ended. It is read-only until its data is deleted; export what you need.',
      );
    default: {
      const unreachable: never = reason;
      return unreachable;
    }
  }
}

/** Throws the typed read-only error unless the workspace accepts changes now. */
export function assertWorkspaceWritable(
  subscriptions: SubscriptionStore,
  workspaceId: string,
): void {
  const view = subscriptions.view(workspaceId);
  if (view.readOnlyReason) throw readOnlyError(view.readOnlyReason);
}
