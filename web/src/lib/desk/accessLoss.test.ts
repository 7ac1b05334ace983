import { describe, expect, it } from 'vitest';
import { DocErrorCode } from '@desk/protocol';
import { forgetWords, ForgetReason } from '$lib/offline/forget.ts';
import { AccessLoss, accessLossOfRefusal, accessLossWords } from './accessLoss.ts';

describe('a workspace being deleted, as the desk tells it (issue 16)', () => {
  it('is its own loss of access, not a removal, and says so', () => {
    expect(accessLossOfRefusal(DocErrorCode.workspaceDeleted)).toBe(AccessLoss.workspaceDeleted);
    expect(accessLossOfRefusal(DocErrorCode.accessRevoked)).toBe(AccessLoss.removed);
    expect(accessLossWords[AccessLoss.workspaceDeleted]).toBe(
      'This workspace is being deleted: nothing of it can be changed any more.',
    );
  });

  it('names the workspace when the device forgets it', () => {
    const forget = {
      reason: ForgetReason.workspaceDeleted,
      userId: 'u1',
      workspaceId: 'w1',
      slug: 'acme',
      workspaceName: 'Acme Support',
    };
    expect(forgetWords(forget)).toBe(
      'Acme Support is being deleted. Its data has been deleted from this device.',
    );
    expect(forgetWords({ ...forget, reason: ForgetReason.removed })).toBe(
      'You were removed from Acme Support. Its data has been deleted from this device.',
    );
    // An operator was never a member: what ended is the customer's support grant (terms §3).
    expect(forgetWords({ ...forget, reason: ForgetReason.supportEnded })).toBe(
      'Your support access to Acme Support ended: the customer revoked it or it ran out. Its data has been deleted from this device.',
    );
  });
});
