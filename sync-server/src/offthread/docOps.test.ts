import { describe, expect, it } from 'vitest';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { docOps } from './docOps.ts';

/** A merged state and the small updates logged after it, as a large doc's store holds them. */
function stateAndLog(logged: number) {
  const doc = new Y.Doc();
  const tickets = doc.getMap<Y.Map<string>>('tickets');
  for (let i = 0; i < 50; i++) {
    const row = new Y.Map<string>();
    row.set('status', 'open');
    tickets.set(String(i), row);
  }
  const state = Y.encodeStateAsUpdate(doc);
  const log: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => log.push(update));
  for (let i = 0; i < logged; i++) {
    if (i % 7 === 0) tickets.delete(String(i % 50));
    else tickets.get(String(i % 50))?.set('status', `s${i}`);
  }
  return { doc, parts: [state, ...log] };
}

const contentOf = (update: Uint8Array) => {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  return {
    json: doc.getMap('tickets').toJSON(),
    stateVector: Y.decodeStateVector(Y.encodeStateVector(doc)),
  };
};
const expected = (doc: Y.Doc) => ({
  json: doc.getMap('tickets').toJSON(),
  stateVector: Y.decodeStateVector(Y.encodeStateVector(doc)),
});

describe('docOps on a merged state and its log', () => {
  // Hundreds of log rows are merged in a tree of small groups, the state last (one
  // Y.mergeUpdates over thousands of inputs took 50 s for a 24 MiB index): the same doc.
  for (const logged of [0, 1, 2, 9, 64, 300]) {
    it(`merge, sync step 2 and compaction hold every change (${logged} logged)`, () => {
      const { doc, parts } = stateAndLog(logged);
      expect(contentOf(docOps.merge(parts)!)).toEqual(expected(doc));
      expect(contentOf(docOps.compactState(parts))).toEqual(expected(doc));
      const { update } = docOps.loadLarge(parts);
      expect(Y.decodeStateVector(docOps.loadLarge(parts).stateVector)).toEqual(
        expected(doc).stateVector,
      );
      expect(contentOf(update)).toEqual(expected(doc));
      // sync step 2 for a new device (empty state vector): varUint 0 · varUint 1 · update
      const step2 = decoding.createDecoder(docOps.syncStep2(parts, new Uint8Array([0])));
      expect([decoding.readVarUint(step2), decoding.readVarUint(step2)]).toEqual([0, 1]);
      expect(contentOf(decoding.readVarUint8Array(step2))).toEqual(expected(doc));
    });
  }

  it('answers a device holding the state with only what it lacks (the log), a new device with all', () => {
    const { doc, parts } = stateAndLog(9);
    const device = new Y.Doc();
    Y.applyUpdate(device, parts[0]!);
    const step2 = decoding.createDecoder(docOps.syncStep2(parts, Y.encodeStateVector(device)));
    decoding.readVarUint(step2);
    decoding.readVarUint(step2);
    const rest = decoding.readVarUint8Array(step2);
    expect(rest.byteLength).toBeLessThan(parts[0]!.byteLength);
    Y.applyUpdate(device, rest);
    expect(contentOf(Y.encodeStateAsUpdate(device))).toEqual(expected(doc));
    const fresh = decoding.createDecoder(docOps.syncStep2(parts, new Uint8Array([0])));
    decoding.readVarUint(fresh);
    decoding.readVarUint(fresh);
    expect(decoding.readVarUint8Array(fresh)).toEqual(docOps.merge(parts));
  });

  it('merges the log alone (no state yet) and nothing at all', () => {
    const { doc, parts } = stateAndLog(40);
    const empty = new Y.Doc();
    const all = [Y.encodeStateAsUpdate(empty), ...parts];
    expect(contentOf(docOps.merge(all)!)).toEqual(expected(doc));
    expect(docOps.merge([])).toBeNull();
  });
});
