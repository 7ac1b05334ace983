import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { AwarenessRelay } from './AwarenessRelay.ts';

/** Applies a relay message (type 1 + update) to a y-protocols Awareness, as a client would. */
function applyMessage(target: awarenessProtocol.Awareness, message: Uint8Array): void {
  const decoder = decoding.createDecoder(message);
  expect(decoding.readVarUint(decoder)).toBe(1);
  awarenessProtocol.applyAwarenessUpdate(target, decoding.readVarUint8Array(decoder), 'server');
}

describe('AwarenessRelay', () => {
  const now = () => 1_000_000;

  it("PRES-2 hands a newcomer everyone's latest state, exactly as y-protocols encoded it", () => {
    const relay = new AwarenessRelay(now);
    const ana = new awarenessProtocol.Awareness(new Y.Doc());
    ana.setLocalState({ name: 'Ana', cursor: 1 });
    relay.apply(awarenessProtocol.encodeAwarenessUpdate(ana, [ana.clientID]), 'socket-a');
    ana.setLocalState({ name: 'Ana', cursor: 2 });
    relay.apply(awarenessProtocol.encodeAwarenessUpdate(ana, [ana.clientID]), 'socket-a');

    const newcomer = new awarenessProtocol.Awareness(new Y.Doc());
    applyMessage(newcomer, relay.snapshot()!);
    expect(newcomer.getStates().get(ana.clientID)).toEqual({ name: 'Ana', cursor: 2 });
  });

  it('PRES-4 ignores an older clock, like y-protocols', () => {
    const relay = new AwarenessRelay(now);
    const ana = new awarenessProtocol.Awareness(new Y.Doc());
    ana.setLocalState({ v: 1 });
    const old = awarenessProtocol.encodeAwarenessUpdate(ana, [ana.clientID]);
    ana.setLocalState({ v: 2 });
    relay.apply(awarenessProtocol.encodeAwarenessUpdate(ana, [ana.clientID]), 'a');
    relay.apply(old, 'a');
    const newcomer = new awarenessProtocol.Awareness(new Y.Doc());
    applyMessage(newcomer, relay.snapshot()!);
    expect(newcomer.getStates().get(ana.clientID)).toEqual({ v: 2 });
  });

  it("PRES-3 removes a closed socket's states and tells the others with a newer clock", () => {
    const relay = new AwarenessRelay(now);
    const ana = new awarenessProtocol.Awareness(new Y.Doc());
    ana.setLocalState({ name: 'Ana' });
    relay.apply(awarenessProtocol.encodeAwarenessUpdate(ana, [ana.clientID]), 'socket-a');
    const other = new awarenessProtocol.Awareness(new Y.Doc());
    applyMessage(other, relay.snapshot()!);
    expect(other.getStates().has(ana.clientID)).toBe(true);

    applyMessage(other, relay.removeOwner('socket-a')!);
    expect(other.getStates().has(ana.clientID)).toBe(false);
    expect(relay.snapshot()).toBeNull();
    expect(relay.removeOwner('socket-a')).toBeNull();
  });

  it('CONN-5 throws on a truncated update so the socket can be closed', () => {
    const relay = new AwarenessRelay(now);
    expect(() => relay.apply(new Uint8Array([3, 1]), 'a')).toThrow();
  });
});
