import {
  indexDocId,
  indexHeadDocId,
  replayLateEdits,
  rewriteIndex,
  setHeadGeneration,
  setHeadKeptFrom,
  GenerationMeta,
} from '@desk/model';
import { DocErrorCode } from '@desk/protocol';
import { until } from '@desk/protocol/testing';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  openDeskWorkspace,
  rememberIdentity,
  ScriptedDocSource,
} from '../../testing/deskWorkspace.ts';
import {
  IndexGenerationFollower,
  startGeneration,
  type GenerationStorage,
} from './IndexGenerations.ts';

function memoryStorage(start: number | null = null): GenerationStorage & { value: number | null } {
  return {
    value: start,
    read() {
      return this.value;
    },
    write(generation) {
      this.value = generation;
    },
  };
}

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

describe('index generations on a device (SPEC IDX-GEN-2, IDX-GEN-4)', () => {
  it('opens the remembered generation at start, offline too, without asking the server', async () => {
    const source = new ScriptedDocSource();
    expect(await startGeneration(source, 'w1', memoryStorage(3), true)).toBe(3);
    expect(await startGeneration(source, 'w1', memoryStorage(null), false)).toBe(1);
  });

  it('opens the head’s generation when the server dropped the remembered one (IDX-GEN-6)', async () => {
    const source = new ScriptedDocSource();
    // This device's copy of the head, synced earlier: generation 3 is the newest, and
    // generations below 2 were dropped.
    const head = source.open(indexHeadDocId('w1'));
    const said = new Y.Doc();
    Y.applyUpdate(head.doc, setHeadGeneration(said, 3));
    Y.applyUpdate(head.doc, setHeadKeptFrom(said, 2));
    const storage = memoryStorage(1);
    expect(await startGeneration(source, 'w1', storage, false)).toBe(3);
    expect(storage.value).toBe(3);
    expect(await startGeneration(source, 'w1', memoryStorage(2), false)).toBe(2); // still kept
    head.release();
  });

  it('on a first visit reads the head and opens the generation it names', async () => {
    const source = new ScriptedDocSource();
    const storage = memoryStorage();
    const started = startGeneration(source, 'w1', storage, true);
    const head = source.open(indexHeadDocId('w1'));
    Y.applyUpdate(head.doc, setHeadGeneration(new Y.Doc(), 2));
    source.synced(indexHeadDocId('w1'));
    expect(await started).toBe(2);
    expect(storage.value).toBe(2);
  });

  it('brings a newer generation onto the device once named, and remembers it only once synced', async () => {
    const source = new ScriptedDocSource();
    const storage = memoryStorage(1);
    const open = source.open(indexDocId('w1', 1));
    const held: number[] = [];
    const follower = new IndexGenerationFollower(
      source,
      'w1',
      { generation: 1, doc: open.doc },
      storage,
      (generation) => held.push(generation),
    );
    stops.push(() => follower.destroy());
    // The server points generation 1 at 2 (a device that had not synced the head yet).
    open.doc.getMap('meta').set(GenerationMeta.next, 2);
    expect(follower.newest).toBe(2);
    expect(storage.value).toBe(1);
    source.synced(indexDocId('w1', 2));
    await until(() => held.length === 1, 'generation 2 to be held');
    expect(held).toEqual([2]);
    expect(storage.value).toBe(2);
  });
});

describe('a first visit whose connection fails before the head answers', () => {
  it('opens generation 1 instead of waiting', async () => {
    const source = new ScriptedDocSource();
    const started = startGeneration(source, 'w1', memoryStorage(), true);
    source.emitStatus({ kind: 'offline', pendingUpdates: 0 });
    expect(await started).toBe(1);
  });
});

describe('the desk when the server rewrote its index (SPEC IDX-GEN-2)', () => {
  it('switches to the newer generation in place once it is on the device and holds every edit of the open one', async () => {
    const identity = rememberIdentity();
    const { desk, source } = await openDeskWorkspace(identity);
    stops.push(() => desk.destroy());
    const wsId = identity.workspace.workspace.id;
    const index = desk.index;
    index.tickets.create({ id: 't1', title: 'Before', number: 1 }, desk.actor, 1);
    const g1 = index.doc;
    // The server's rewrite: generation 2 from a copy of 1, then 1 pointed at it.
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(g1));
    const { nextState, markReplaced } = rewriteIndex(copy);
    const g2 = source.open(indexDocId(wsId, 2));
    stops.push(() => g2.release());
    Y.applyUpdate(g2.doc, nextState);
    Y.applyUpdate(g1, markReplaced);
    // An edit made here after the rewrite read generation 1: not in generation 2 yet.
    index.tickets.update('t1', { title: 'Late' }, 2);
    const changed: string[] = [];
    const off = index.tickets.observe((ids) => changed.push(...ids));
    stops.push(off);
    source.synced(indexDocId(wsId, 2));
    await g2.whenSynced;
    expect(index.doc).toBe(g1); // not before the late edit is replayed
    const replay = replayLateEdits(g1, g2.doc)!;
    Y.applyUpdate(g2.doc, replay.intoUpdate);
    Y.applyUpdate(g1, replay.fromUpdate);
    await until(() => index.doc === g2.doc, 'the desk to switch to generation 2');
    expect(desk.index).toBe(index); // the same object: whatever holds it follows
    expect(index.tickets.get('t1')?.title).toBe('Late');
    expect(changed).toContain('t1');
    expect(desk.indexMoved).toBe(false);
    // Writes go to generation 2 from now on.
    index.tickets.update('t1', { status: 'open' }, 3);
    expect(g2.doc.getMap<Y.Map<unknown>>('tickets').get('t1')?.get('status')).toBe('open');
  });

  it('keeps working when the server drops the generation it has open (IDX-GEN-6), and switches to the head’s', async () => {
    const identity = rememberIdentity();
    const { desk, source } = await openDeskWorkspace(identity);
    stops.push(() => desk.destroy());
    const wsId = identity.workspace.workspace.id;
    const head = source.open(indexHeadDocId(wsId));
    const said = new Y.Doc();
    Y.applyUpdate(head.doc, setHeadGeneration(said, 2));
    Y.applyUpdate(head.doc, setHeadKeptFrom(said, 2));
    source.refuse(indexDocId(wsId, 1), DocErrorCode.accessRevoked);
    expect(desk.accessLoss).toBeNull();
    expect(desk.canWrite).toBe(true);
    source.synced(indexDocId(wsId, 2));
    await until(() => desk.index.doc === source.open(indexDocId(wsId, 2)).doc, 'the switch');
    expect(desk.indexMoved).toBe(false);
    head.release();
  });
});
