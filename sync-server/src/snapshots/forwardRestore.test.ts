import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { deltaContent, docContent, stableStringify } from './docContent.ts';
import { forwardRestore } from './forwardRestore.ts';
import { editText, randomEdits, rootsOf } from '../testing/randomEdits.ts';
import { seededRandom, type SeededRandom } from '@desk/protocol/testing';

const docFrom = (state: Uint8Array) => {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
};
const contentKey = (doc: Y.Doc) => stableStringify(docContent(doc));
const sync = (from: Y.Doc, to: Y.Doc) =>
  Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));

function restoreInto(doc: Y.Doc, snapshot: Uint8Array): Uint8Array | null {
  const update = forwardRestore(doc, snapshot);
  if (update) Y.applyUpdate(doc, update);
  return update;
}

/** Y.Maps reachable from root `map` through map keys alone, with their key paths. */
function mapsByPath(doc: Y.Doc): { path: string[]; map: Y.Map<unknown> }[] {
  const out: { path: string[]; map: Y.Map<unknown> }[] = [];
  const visit = (map: Y.Map<unknown>, path: string[]) => {
    out.push({ path, map });
    map.forEach((value, key) => {
      if (value instanceof Y.Map && !(value instanceof Y.XmlHook)) {
        visit(value as Y.Map<unknown>, [...path, key]);
      }
    });
  };
  visit(rootsOf(doc).map, []);
  return out;
}

function mapAt(doc: Y.Doc, path: readonly string[]): Y.Map<unknown> {
  let map = rootsOf(doc).map;
  for (const key of path) map = map.get(key) as Y.Map<unknown>;
  return map;
}

function seedDoc(random: SeededRandom): Y.Doc {
  const doc = new Y.Doc();
  rootsOf(doc).keep.insert(0, 'keep this text steady');
  randomEdits(doc, random, 40);
  return doc;
}

describe('forwardRestore', () => {
  it('makes the content equal to the snapshot for random docs and random later edits', () => {
    for (let seed = 1; seed <= 150; seed += 1) {
      const random = seededRandom(seed);
      const doc = seedDoc(random);
      const snapshot = Y.encodeStateAsUpdate(doc);
      randomEdits(doc, random, 1 + random.int(40));
      restoreInto(doc, snapshot);
      expect(contentKey(doc), `seed ${seed}`).toBe(contentKey(docFrom(snapshot)));
      // Restoring again finds nothing left to change.
      expect(forwardRestore(doc, snapshot), `seed ${seed}`).toBeNull();
    }
  });

  it('returns null and writes nothing when the content already equals the snapshot', () => {
    const random = seededRandom(7);
    const doc = seedDoc(random);
    expect(forwardRestore(doc, Y.encodeStateAsUpdate(doc))).toBeNull();
  });

  it('keeps an offline edit to an unchanged part and does not bring back what the restore removed', () => {
    for (let seed = 1; seed <= 150; seed += 1) {
      const random = seededRandom(1000 + seed);
      const server = seedDoc(random);
      const snapshot = Y.encodeStateAsUpdate(server);
      const stale = docFrom(snapshot); // a replica that reconnects with old state
      randomEdits(server, random, 1 + random.int(30));

      const offline = docFrom(Y.encodeStateAsUpdate(server));
      const expected = docFrom(snapshot);
      restoreInto(server, snapshot);

      // Offline, after the snapshot: edit the untouched text, and a nested map whose content
      // is the same in the snapshot and in today's doc.
      const at = random.int(rootsOf(offline).keep.length + 1);
      rootsOf(offline).keep.insert(at, 'offline ');
      rootsOf(expected).keep.insert(at, 'offline ');
      const unchanged = mapsByPath(offline).filter(({ path, map }) => {
        const before = mapsByPath(expected).find((m) => m.path.join('/') === path.join('/'));
        return (
          before &&
          stableStringify(docContentOfMap(before.map)) === stableStringify(docContentOfMap(map))
        );
      });
      if (unchanged.length > 0) {
        const { path } = random.pick(unchanged);
        mapAt(offline, path).set('offline', 'edit');
        mapAt(expected, path).set('offline', 'edit');
      }

      sync(offline, server);
      sync(stale, server);
      sync(server, offline);
      sync(server, stale);
      const message = `seed ${1000 + seed}`;
      expect(contentKey(server), message).toBe(contentKey(expected));
      expect(contentKey(offline), message).toBe(contentKey(server));
      expect(contentKey(stale), message).toBe(contentKey(server));
    }
  });

  it('keeps typing anchored in text the restore leaves alone', () => {
    const server = new Y.Doc();
    const text = server.getText('t');
    text.insert(0, 'Hello world');
    const snapshot = Y.encodeStateAsUpdate(server);
    text.insert(5, ' brave');
    text.format(0, 5, { bold: true });
    const offline = docFrom(Y.encodeStateAsUpdate(server));

    const update = restoreInto(server, snapshot);
    offline.getText('t').insert(offline.getText('t').length, '!');
    sync(offline, server);

    expect(server.getText('t').toDelta()).toEqual([{ insert: 'Hello world!' }]);
    // Formatting went back with a `retain` + attributes: no character of "Hello" was retyped.
    const inserted = Y.decodeUpdate(update!).structs.filter(
      (struct) => struct instanceof Y.Item && struct.content instanceof Y.ContentString,
    );
    expect(inserted).toEqual([]);
  });

  it('restores an XML paragraph in place, so an edit to its sibling survives', () => {
    const server = new Y.Doc();
    const fragment = server.getXmlFragment('description');
    const paragraph = (text: string) => {
      const p = new Y.XmlElement('paragraph');
      p.insert(0, [new Y.XmlText(text)]);
      return p;
    };
    fragment.insert(0, [paragraph('first'), paragraph('second')]);
    const snapshot = Y.encodeStateAsUpdate(server);
    (fragment.get(0) as Y.XmlElement).insert(1, [new Y.XmlText(' changed')]);
    const offline = docFrom(Y.encodeStateAsUpdate(server));

    restoreInto(server, snapshot);
    ((offline.getXmlFragment('description').get(1) as Y.XmlElement).get(0) as Y.XmlText).insert(
      6,
      '!',
    );
    sync(offline, server);

    expect(server.getXmlFragment('description').toString()).toBe(
      '<paragraph>first</paragraph><paragraph>second!</paragraph>',
    );
  });

  it('restores only the named entries of a map when scoped', () => {
    const server = new Y.Doc();
    const tickets = server.getMap<Y.Map<unknown>>('tickets');
    const row = (title: string) => {
      const map = new Y.Map<unknown>();
      map.set('title', title);
      return map;
    };
    tickets.set('t1', row('one'));
    tickets.set('t2', row('two'));
    const snapshot = Y.encodeStateAsUpdate(server);
    tickets.delete('t1');
    tickets.get('t2')!.set('title', 'two, renamed');

    const update = forwardRestore(server, snapshot, {
      kind: 'mapEntries',
      root: 'tickets',
      keys: ['t1'],
    });
    Y.applyUpdate(server, update!);

    expect(tickets.get('t1')?.get('title')).toBe('one');
    expect(tickets.get('t2')?.get('title')).toBe('two, renamed');
  });

  it('restores roots that the current doc does not have and empties roots the snapshot lacks', () => {
    const before = new Y.Doc();
    before.getArray('activity').insert(0, [{ kind: 'created' }]);
    const snapshot = Y.encodeStateAsUpdate(before);
    const now = new Y.Doc();
    now.getText('other').insert(0, 'new root');
    restoreInto(now, snapshot);
    expect(docContent(now)).toEqual(docContent(docFrom(snapshot)));
  });

  it('restores formatted text in random texts, with offline typing at the end kept', () => {
    for (let seed = 1; seed <= 100; seed += 1) {
      const random = seededRandom(5000 + seed);
      const server = new Y.Doc();
      const text = server.getText('t');
      for (let i = 0; i < 20; i += 1) editText(text, random);
      const snapshot = Y.encodeStateAsUpdate(server);
      for (let i = 0; i < 1 + random.int(20); i += 1) editText(text, random);
      restoreInto(server, snapshot);
      expect(deltaContent(server.getText('t')), `seed ${5000 + seed}`).toEqual(
        deltaContent(docFrom(snapshot).getText('t')),
      );
    }
  });
});

function docContentOfMap(map: Y.Map<unknown>): unknown {
  return map.toJSON();
}
