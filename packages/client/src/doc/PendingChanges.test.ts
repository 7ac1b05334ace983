import { describe, expect, it } from 'vitest';
import { PendingChanges } from './PendingChanges.ts';

const update = (n: number) => new Uint8Array([n]);

describe('PendingChanges', () => {
  it('counts sent and held edits until the server acknowledges them, oldest first', () => {
    const pending = new PendingChanges();
    pending.edited(update(1), true, 10);
    pending.edited(update(2), true, 20);
    pending.edited(update(3), false, 30);
    expect(pending.count).toBe(3);
    expect(pending.inFlight).toBe(2);
    expect(pending.acked(1)).toBe(true);
    expect(pending.inFlight).toBe(1);
    expect(pending.count).toBe(2);
  });

  it('remembers when the oldest unconfirmed edit was made, and forgets it once all are acknowledged', () => {
    const pending = new PendingChanges();
    expect(pending.unconfirmedSince).toBeNull();
    pending.edited(update(1), true, 10);
    pending.edited(update(2), true, 20);
    expect(pending.unconfirmedSince).toBe(10);
    pending.acked(1);
    expect(pending.unconfirmedSince).toBe(10);
    pending.acked(1);
    expect(pending.unconfirmedSince).toBeNull();
  });

  it('does not take a step 2 for an edit: it waits for an ack but is not unconfirmed work', () => {
    const pending = new PendingChanges();
    pending.step2Sent(update(1));
    expect(pending.count).toBe(1);
    expect(pending.unconfirmedSince).toBeNull();
  });

  it('lets our step 2 carry the edits made while nothing could be sent', () => {
    const pending = new PendingChanges();
    pending.edited(update(1), false, 10);
    pending.edited(update(2), false, 11);
    pending.step2Sent(update(3));
    expect(pending.count).toBe(1);
    pending.acked(1);
    expect(pending.count).toBe(0);
    expect(pending.unconfirmedSince).toBeNull();
  });

  it('counts what was sent as unsent again when the connection is lost, and expects no more acks', () => {
    const pending = new PendingChanges();
    pending.edited(update(1), true, 10);
    pending.edited(update(2), true, 11);
    pending.connectionLost();
    expect(pending.count).toBe(2);
    expect(pending.inFlight).toBe(0);
    expect(pending.unconfirmedSince).toBe(10);
    expect(pending.acked(1)).toBe(false);
  });

  it('reports an acknowledgement for more than was sent, and clamps it', () => {
    const pending = new PendingChanges();
    pending.edited(update(1), true, 10);
    expect(pending.acked(3)).toBe(false);
    expect(pending.count).toBe(0);
  });

  describe('a reset', () => {
    it('takes every unacknowledged change, in send order', () => {
      const pending = new PendingChanges();
      pending.edited(update(1), true, 10);
      pending.edited(update(2), true, 11);
      pending.edited(update(3), false, 12);
      expect(pending.takeForReset(true)).toEqual([update(1), update(2)]);
      expect(pending.count).toBe(0);
      expect(pending.unconfirmedSince).toBeNull();
    });

    it('swallows the acks still due for taken updates the server did not refuse', () => {
      const pending = new PendingChanges();
      pending.edited(update(1), true, 10); // accepted, its ack still on the way
      pending.edited(update(2), true, 11); // refused: never acked
      pending.takeForReset(true);
      pending.edited(update(3), true, 12);
      pending.acked(1); // the late ack of update 1
      expect(pending.count).toBe(1);
      pending.acked(1);
      expect(pending.count).toBe(0);
    });

    it('expects an ack for every taken update when the client refused the change itself', () => {
      const pending = new PendingChanges();
      pending.edited(update(1), true, 10);
      pending.takeForReset(false);
      pending.edited(update(2), true, 11);
      pending.acked(1);
      expect(pending.count).toBe(1);
    });

    it('expects one ack fewer for each further refusal of an update sent before it', () => {
      const pending = new PendingChanges();
      pending.edited(update(1), true, 10);
      pending.edited(update(2), true, 11);
      pending.edited(update(3), true, 12);
      pending.takeForReset(true); // 2 acks still due
      pending.refusedDuringReset(); // 1
      pending.edited(update(4), true, 13);
      pending.acked(1);
      expect(pending.count).toBe(1);
      pending.acked(1);
      expect(pending.count).toBe(0);
    });
  });
});
