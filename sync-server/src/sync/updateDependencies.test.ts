import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { seededRandom, type SeededRandom } from '@desk/protocol/testing';
import { checkDependencies, DependencyProblem } from './updateDependencies.ts';

/** A doc with a fixed client id that records every update it emits. */
function writer(clientID: number) {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  return { doc, updates };
}

function check(doc: Y.Doc, update: Uint8Array) {
  return checkDependencies(update, (client) => Y.getState(doc.store, client));
}

/** What Yjs itself leaves pending after applying `update` to a copy of `doc`. */
function yjsLeavesPending(doc: Y.Doc, update: Uint8Array): boolean {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  Y.applyUpdate(copy, update);
  return copy.store.pendingStructs !== null || copy.store.pendingDs !== null;
}

describe('checkDependencies', () => {
  it('DEP-1 accepts an update whose dependencies the doc has, and tells the clocks it advances', () => {
    const a = writer(1);
    a.doc.getText('t').insert(0, 'hello');
    a.doc.getText('t').insert(5, ' world');
    const server = new Y.Doc();
    Y.applyUpdate(server, a.updates[0]!);
    const result = check(server, a.updates[1]!);
    expect(result).toEqual({ ok: true, advanced: new Map([[1, 11]]) });
  });

  it('DEP-1 refuses an update whose own earlier structs the doc never received', () => {
    const a = writer(1);
    a.doc.getText('t').insert(0, 'hello');
    a.doc.getText('t').insert(5, ' world');
    expect(check(new Y.Doc(), a.updates[1]!)).toEqual({
      ok: false,
      problem: DependencyProblem.missingStructs,
    });
  });

  it("DEP-1 refuses an update that inserts next to another client's struct the doc lacks", () => {
    const a = writer(1);
    const b = writer(2);
    a.doc.getText('t').insert(0, 'abc');
    Y.applyUpdate(b.doc, a.updates[0]!);
    b.doc.getText('t').insert(2, 'X');
    const server = new Y.Doc();
    expect(check(server, b.updates.at(-1)!)).toEqual({
      ok: false,
      problem: DependencyProblem.missingStructs,
    });
    Y.applyUpdate(server, a.updates[0]!);
    expect(check(server, b.updates.at(-1)!).ok).toBe(true);
  });

  it('DEP-2 accepts an update that carries its dependencies itself, whatever the client order', () => {
    // Client 1 depends on client 5 here: Yjs takes the highest client first, and the
    // reverse case (5 on 1) needs the stack.
    for (const [first, second] of [
      [5, 1],
      [1, 5],
    ] as const) {
      const a = writer(first);
      const b = writer(second);
      a.doc.getText('t').insert(0, 'abc');
      Y.applyUpdate(b.doc, a.updates[0]!);
      b.doc.getText('t').insert(1, 'X');
      Y.applyUpdate(a.doc, b.updates.at(-1)!);
      a.doc.getText('t').insert(3, 'Y');
      const both = Y.encodeStateAsUpdate(a.doc);
      expect(check(new Y.Doc(), both)).toEqual({
        ok: true,
        advanced: new Map([
          [first, 4],
          [second, 1],
        ]),
      });
    }
  });

  it('DEP-1 refuses deleting structs the doc never received', () => {
    const a = writer(1);
    a.doc.getText('t').insert(0, 'abc');
    a.doc.getText('t').delete(0, 1);
    const server = new Y.Doc();
    expect(check(server, a.updates[1]!)).toEqual({
      ok: false,
      problem: DependencyProblem.missingDeletions,
    });
    Y.applyUpdate(server, a.updates[0]!);
    expect(check(server, a.updates[1]!)).toEqual({ ok: true, advanced: new Map() });
  });

  it('WRITE-6 refuses an item whose origin is a later clock of its own client', () => {
    const a = writer(1);
    a.doc.getText('t').insert(0, 'a');
    a.doc.getText('t').insert(1, 'b');
    // Rewrite the second item's origin (1:0) into 1:7: still decodes, cannot integrate.
    const { structs } = Y.decodeUpdate(a.updates[1]!);
    const item = structs[0] as Y.Item;
    item.origin = Y.createID(1, 7);
    const forged = encodeStructs([item]);
    const server = new Y.Doc();
    Y.applyUpdate(server, a.updates[0]!);
    expect(check(server, forged)).toEqual({ ok: false, problem: DependencyProblem.selfReference });
  });

  it('DEP-2 agrees with Yjs on random histories applied in random order (seeded)', () => {
    const seed = Number(process.env.DEPS_SEED ?? 20261206);
    const random = seededRandom(seed);
    const verdicts = { accepted: 0, refused: 0 };
    for (let round = 0; round < 40; round++) {
      const updates = randomHistory(random, 3 + random.int(3), 30);
      const server = new Y.Doc();
      for (let attempt = 0; attempt < 60; attempt++) {
        // A single update, or several merged (a step 2 or an offline client's batch).
        const picked = Array.from({ length: 1 + random.int(3) }, () => random.pick(updates));
        const update = picked.length === 1 ? picked[0]! : Y.mergeUpdates(picked);
        const verdict = check(server, update).ok;
        expect(verdict, `seed ${seed}, round ${round}, attempt ${attempt}`).toBe(
          !yjsLeavesPending(server, update),
        );
        if (verdict) Y.applyUpdate(server, update);
        verdicts[verdict ? 'accepted' : 'refused']++;
      }
    }
    // Both verdicts were exercised, often.
    expect(verdicts.accepted).toBeGreaterThan(200);
    expect(verdicts.refused).toBeGreaterThan(200);
  });
});

/** Several clients editing one doc, syncing now and then; every update any of them emitted. */
function randomHistory(random: SeededRandom, clients: number, edits: number): Uint8Array[] {
  const writers = Array.from({ length: clients }, (_, i) => writer(10 + i * 7));
  for (let i = 0; i < edits; i++) {
    const { doc } = random.pick(writers);
    const text = doc.getText('t');
    const map = doc.getMap('m');
    switch (random.int(4)) {
      case 0:
        text.insert(random.int(text.length + 1), String.fromCharCode(97 + random.int(26)));
        break;
      case 1:
        if (text.length > 0) text.delete(random.int(text.length), 1);
        break;
      case 2:
        map.set(`k${random.int(3)}`, random.int(100));
        break;
      default: {
        const other = random.pick(writers).doc;
        Y.applyUpdate(doc, Y.encodeStateAsUpdate(other, Y.encodeStateVector(doc)));
      }
    }
  }
  return writers.flatMap((w) => w.updates);
}

/** Encodes decoded structs of one client (as Yjs writes them) with an empty delete set. */
function encodeStructs(structs: Y.Item[]): Uint8Array {
  const encoder = new Y.UpdateEncoderV1();
  const first = structs[0]!;
  encoding.writeVarUint(encoder.restEncoder, 1);
  encoding.writeVarUint(encoder.restEncoder, structs.length);
  encoder.writeClient(first.id.client);
  encoding.writeVarUint(encoder.restEncoder, first.id.clock);
  for (const struct of structs) struct.write(encoder, 0);
  encoding.writeVarUint(encoder.restEncoder, 0);
  return encoder.toUint8Array();
}
