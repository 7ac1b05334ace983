import { docIds, WorkspaceIndex } from '@desk/model';
import { until } from '@desk/protocol/testing';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ScriptedDocSource } from '../../testing/deskWorkspace.ts';
import { ArchiveShelf } from './ArchiveShelf.svelte.ts';

const ana = { id: 'u-ana', name: 'Ana' };
const DAY = 24 * 60 * 60 * 1000;
const nov3 = Date.UTC(2026, 10, 3);
const dec8 = Date.UTC(2026, 11, 8);
const now = Date.UTC(2027, 1, 20);

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

let workspaces = 0;

/**
 * A shelf over the real local replica (LocalDocSource in IndexedDB, through the scripted
 * source whose `synced` stands for the server's answer) and an index with old done tickets.
 */
function shelfWithOldTickets() {
  const workspaceId = `ws-archive-${++workspaces}`;
  const source = new ScriptedDocSource();
  const opened = new Set<string>();
  const open = source.open.bind(source);
  source.open = (docId) => (opened.add(docId), open(docId));
  const index = new WorkspaceIndex(new Y.Doc());
  index.ensureSchema();
  index.tickets.create({ id: 'open', title: 'Still open', number: 1, status: 'open' }, ana, nov3);
  index.tickets.create(
    { id: 'nov', title: 'Solved in Nov', number: 2, status: 'solved' },
    ana,
    nov3,
  );
  index.tickets.create(
    { id: 'dec', title: 'Closed in Dec', number: 3, status: 'closed' },
    ana,
    dec8,
  );
  index.tickets.create({ id: 'new', title: 'Fresh', number: 4, status: 'solved' }, ana, now - DAY);
  const shelf = new ArchiveShelf(source, workspaceId, index);
  cleanups.push(() => {
    shelf.destroy();
    source.destroy();
  });
  return { source, index, shelf, workspaceId, opened };
}

/** Archives as a device does after its first sync, the server answering for each shard. */
async function archive(setup: ReturnType<typeof shelfWithOldTickets>): Promise<number> {
  const { source, workspaceId, opened } = setup;
  const moving = setup.shelf.archiveOld(now);
  for (const month of ['2026-11', '2026-12']) {
    const docId = docIds.archive(workspaceId, month);
    await until(() => opened.has(docId), `the ${month} shard opened`);
    source.synced(docId);
  }
  return moving;
}

describe('ArchiveShelf', () => {
  it('moves done tickets untouched for 30 days to their month, and lists the months, newest first', async () => {
    const setup = shelfWithOldTickets();
    expect(await archive(setup)).toBe(2);
    expect(
      setup.index.tickets
        .all()
        .map((t) => t.id)
        .sort(),
    ).toEqual(['new', 'open']);
    expect(setup.shelf.months).toEqual(['2026-12', '2026-11']);
    // Archiving loads nothing for the lists: the shards are written and let go.
    expect(setup.shelf.notLoaded).toEqual(['2026-12', '2026-11']);
    expect(setup.shelf.shards()).toEqual([]);
  });

  it("never writes a shard before it has the server's copy", async () => {
    const setup = shelfWithOldTickets();
    let done = false;
    const moving = setup.shelf.archiveOld(now).then((moved) => ((done = true), moved));
    const november = docIds.archive(setup.workspaceId, '2026-11');
    await until(() => setup.opened.has(november), 'the November shard opened');
    await setup.source.open(november).whenLoaded;
    expect(done).toBe(false);
    expect(setup.index.tickets.get('nov')).not.toBeNull();

    setup.source.synced(november);
    await until(() => setup.index.tickets.get('nov') === null, 'November archived');
    const december = docIds.archive(setup.workspaceId, '2026-12');
    await until(() => setup.opened.has(december), 'the December shard opened');
    setup.source.synced(december);
    expect(await moving).toBe(2);
  });

  it('finds an archived ticket by number, loading months newest first, and tells the lists', async () => {
    const setup = shelfWithOldTickets();
    await archive(setup);
    const merged: string[] = [];
    setup.shelf.onLoaded((shard) => merged.push(shard.month));

    expect((await setup.shelf.findByNumber(2))?.title).toBe('Solved in Nov');
    expect(merged).toEqual(['2026-12', '2026-11']);
    expect([...setup.shelf.loaded].sort()).toEqual(['2026-11', '2026-12']);
    expect(setup.shelf.find('dec')?.title).toBe('Closed in Dec');
    expect(await setup.shelf.findByNumber(99)).toBeNull();
    expect(setup.shelf.loading).toBe(false);
  });

  it('puts an archived ticket back into the hot index before it is changed', async () => {
    const setup = shelfWithOldTickets();
    await archive(setup);
    await setup.shelf.loadAll();
    setup.shelf.restore('dec');
    expect(setup.index.tickets.get('dec')?.title).toBe('Closed in Dec');
    setup.shelf.restore('open'); // already hot: nothing to do
    expect(setup.index.tickets.get('open')?.title).toBe('Still open');
  });
});
