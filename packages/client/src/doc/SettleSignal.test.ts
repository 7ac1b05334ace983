import { DocErrorCode } from '@desk/protocol';
import { describe, expect, it } from 'vitest';
import { SettleSignal } from './SettleSignal.ts';
import { SyncError } from './SyncError.ts';

describe('SettleSignal', () => {
  it('resolves whenSynced at the first settling and answers every waiter true', async () => {
    const signal = new SettleSignal();
    const waiting = [signal.wait(), signal.wait()];
    signal.settled();
    await signal.whenSynced;
    expect(await Promise.all(waiting)).toEqual([true, true]);
  });

  it('rejects whenSynced with the refusal when the server refuses the doc first', async () => {
    const signal = new SettleSignal();
    signal.refused(new SyncError(DocErrorCode.notMember, 'not a member'));
    await expect(signal.whenSynced).rejects.toMatchObject({ code: 'not_member' });
  });

  it('keeps whenSynced resolved after a later refusal', async () => {
    const signal = new SettleSignal();
    signal.settled();
    signal.refused(new SyncError(DocErrorCode.accessRevoked, 'removed'));
    await expect(signal.whenSynced).resolves.toBeUndefined();
  });

  it('answers waiters false when it gives up, and later waiters wait for the next answer', async () => {
    const signal = new SettleSignal();
    const early = signal.wait();
    signal.giveUp();
    expect(await early).toBe(false);
    const late = signal.wait();
    signal.settled();
    expect(await late).toBe(true);
  });
});
