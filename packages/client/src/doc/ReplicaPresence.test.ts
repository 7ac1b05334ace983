import { describe, expect, it } from 'vitest';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { ReplicaPresence } from './ReplicaPresence.ts';

/** A presence whose sent updates are applied to `seen`, the server's view of the room. */
function setup() {
  let live = true;
  const seen = new Awareness(new Y.Doc());
  seen.setLocalState(null);
  const sent: Uint8Array[] = [];
  const presence = new ReplicaPresence(new Y.Doc(), {
    canSend: () => live,
    send: (update) => {
      sent.push(update);
      applyAwarenessUpdate(seen, update, 'client');
    },
  });
  const states = () => Object.fromEntries(seen.getStates());
  return { presence, sent, states, setLive: (value: boolean) => (live = value) };
}

/** Another user's presence, encoded as the server forwards it. */
function otherUser(state: Record<string, unknown>) {
  const awareness = new Awareness(new Y.Doc());
  awareness.setLocalState(state);
  return { id: awareness.clientID, update: encodeAwarenessUpdate(awareness, [awareness.clientID]) };
}

describe('ReplicaPresence', () => {
  it('has no presence until a handle sets one: a background doc is nobody’s view', () => {
    const { presence, sent } = setup();
    expect(presence.awareness.getLocalState()).toBeNull();
    presence.announce();
    expect(sent).toEqual([]);
  });

  it('sends local changes while the subscription is confirmed, and nothing otherwise', () => {
    const { presence, sent, states, setLive } = setup();
    setLive(false);
    presence.awareness.setLocalState({ cursor: 1 });
    expect(sent).toEqual([]);
    setLive(true);
    presence.announce();
    presence.awareness.setLocalState({ cursor: 2 });
    expect(states()).toEqual({ [presence.awareness.clientID]: { cursor: 2 } });
  });

  it('applies remote presence without echoing it, and answers a query with every state', () => {
    const { presence, sent, states } = setup();
    presence.awareness.setLocalState({ me: true });
    sent.length = 0;
    const other = otherUser({ other: true });
    presence.applyRemote(other.update);
    expect(presence.awareness.getStates().get(other.id)).toEqual({ other: true });
    expect(sent).toEqual([]);
    presence.answerQuery();
    expect(states()).toMatchObject({
      [presence.awareness.clientID]: { me: true },
      [other.id]: { other: true },
    });
  });

  it('drops the others when the connection is lost, without telling anyone, and keeps its own', () => {
    const { presence, sent } = setup();
    presence.awareness.setLocalState({ me: true });
    presence.applyRemote(otherUser({ other: true }).update);
    sent.length = 0;
    presence.dropOthers();
    expect([...presence.awareness.getStates().keys()]).toEqual([presence.awareness.clientID]);
    expect(sent).toEqual([]);
  });

  it('leaves the room when unsubscribing', () => {
    const { presence, states } = setup();
    presence.awareness.setLocalState({ me: true });
    presence.leave();
    expect(states()).toEqual({});
  });

  it('moves to a reset doc under its new client id, keeping the local state', () => {
    const { presence, states } = setup();
    presence.awareness.setLocalState({ me: true });
    const oldId = presence.awareness.clientID;
    const fresh = new Y.Doc();
    const old = presence.moveTo(fresh);
    expect(old.clientID).toBe(oldId);
    expect(presence.awareness.doc).toBe(fresh);
    expect(states()).toEqual({ [fresh.clientID]: { me: true } });
    // The old awareness no longer speaks for the replica.
    old.setLocalState({ stale: true });
    expect(states()).toEqual({ [fresh.clientID]: { me: true } });
    old.destroy();
  });

  it('stays absent after a reset when no handle is open', () => {
    const { presence, sent } = setup();
    presence.moveTo(new Y.Doc()).destroy();
    expect(presence.awareness.getLocalState()).toBeNull();
    presence.announce();
    expect(sent).toEqual([]);
  });
});
