import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
// By path: model depends on no package, and protocol's test support is test-only (no cycle).
import { seededRandom } from '../../../protocol/src/testing/seededRandom.ts';
import { TICKET_PRIORITIES, TICKET_STATUSES } from '../schema/fields.ts';
import { WorkspaceIndex } from '../workspace/WorkspaceIndex.ts';
import { TicketList } from './TicketList.ts';
import type { TicketRecord } from '../workspace/TicketRecord.ts';
import type { TicketSource } from './TicketSource.ts';
import { compileQuery, DEFAULT_QUERY, type TicketQuery } from './TicketQuery.ts';

const me = { id: 'me', name: 'Me' };

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

describe('TicketList', () => {
  it('filters by status, assignee "mine" and "unassigned", tag and text', () => {
    const index = new WorkspaceIndex(new Y.Doc());
    index.tickets.create(
      { id: 'a', title: 'VPN broken', number: 1, assigneeId: 'me', tags: ['net'] },
      me,
      1,
    );
    index.tickets.create({ id: 'b', title: 'Printer jam', number: 2, status: 'open' }, me, 2);
    index.tickets.create({ id: 'c', title: 'New laptop', number: 3, assigneeId: 'bo' }, me, 3);
    const list = new TicketList(index.tickets, DEFAULT_QUERY, 'me');
    const ids = (q: Partial<TicketQuery>) => {
      list.setQuery({ ...DEFAULT_QUERY, ...q });
      return list.rows.map((r) => r.id);
    };
    expect(ids({})).toEqual(['c', 'b', 'a']);
    expect(ids({ statuses: ['open'] })).toEqual(['b']);
    expect(ids({ assignee: 'mine' })).toEqual(['a']);
    expect(ids({ assignee: 'unassigned' })).toEqual(['b']);
    expect(ids({ assignee: 'bo' })).toEqual(['c']);
    expect(ids({ tag: 'net' })).toEqual(['a']);
    expect(ids({ text: 'vpn' })).toEqual(['a']);
    // A full-text search (the description of c mentions a VPN) adds its matches.
    list.setTextMatches(new Set(['c']));
    expect(ids({ text: 'vpn' })).toEqual(['c', 'a']);
    list.setTextMatches(null);
    expect(ids({ text: '#2' })).toEqual(['b']);
    expect(ids({ sort: 'number', direction: 'asc' })).toEqual(['a', 'b', 'c']);
    list.destroy();
  });

  it('narrows as text is typed to what a full pass finds, and drops stale full-text matches', () => {
    const index = new WorkspaceIndex(new Y.Doc());
    const titles = ['VPN down', 'VPN slow at home', 'Printer jam', 'New vpn token', 'Mail'];
    titles.forEach((title, i) => index.tickets.create({ id: `t${i}`, title, number: i }, me, i));
    const list = new TicketList(index.tickets, DEFAULT_QUERY, 'me');
    list.setQuery({ ...DEFAULT_QUERY, text: 'v' });
    list.setTextMatches(new Set(['t2'])); // "v" somewhere in the printer's description
    expect(list.rows.map((r) => r.id)).toContain('t2');
    for (const text of ['vp', 'vpn', 'vpn ', 'vpn s', 'vpn sl', 'm', 'ma', 'mai', 'mail']) {
      list.setQuery({ ...DEFAULT_QUERY, text });
      const compiled = compileQuery({ ...DEFAULT_QUERY, text }, 'me');
      const expected = index.tickets.all().filter(compiled.matches).sort(compiled.compare);
      expect(
        list.rows.map((r) => r.id),
        text,
      ).toEqual(expected.map((r) => r.id));
    }
    list.destroy();
  });

  it('matches a withheld ticket (access disabled, terms §4) by its number only, never its hidden words', () => {
    const index = new WorkspaceIndex(new Y.Doc());
    index.tickets.create({ id: 'a', title: 'Leaked salary sheet', number: 7, tags: ['hr'] }, me, 1);
    index.tickets.create({ id: 'b', title: 'Salary question', number: 8 }, me, 2);
    const list = new TicketList(index.tickets, { ...DEFAULT_QUERY, text: 'salary' }, 'me');
    expect(list.rows.map((r) => r.id)).toEqual(['b', 'a']);
    list.setWithheld(new Set(['a']));
    expect(list.rows.map((r) => r.id)).toEqual(['b']);
    // A full-text answer naming it (its description held the words) does not bring it back.
    list.setTextMatches(new Set(['a', 'b']));
    expect(list.rows.map((r) => r.id)).toEqual(['b']);
    for (const text of ['leaked', 'hr', 'sheet']) {
      list.setQuery({ ...DEFAULT_QUERY, text });
      expect(
        list.rows.map((r) => r.id),
        text,
      ).toEqual([]);
    }
    list.setQuery({ ...DEFAULT_QUERY, text: '#7' });
    expect(list.rows.map((r) => r.id)).toEqual(['a']);
    // Without a text it is listed (as the marker) like any other ticket.
    list.setQuery(DEFAULT_QUERY);
    expect(list.rows.map((r) => r.id)).toEqual(['b', 'a']);
    // Re-enabled: its words find it again.
    list.setQuery({ ...DEFAULT_QUERY, text: 'leaked' });
    list.setWithheld(new Set());
    expect(list.rows.map((r) => r.id)).toEqual(['a']);
    list.destroy();
  });

  it('keeps deleted tickets out of the list and shows them in the trash', () => {
    const index = new WorkspaceIndex(new Y.Doc());
    index.tickets.create({ id: 'a', title: 'A', number: 1 }, me, 1);
    const list = new TicketList(index.tickets, DEFAULT_QUERY, 'me');
    index.tickets.setDeleted('a', true, 2);
    expect(list.rows).toEqual([]);
    list.setQuery({ ...DEFAULT_QUERY, deleted: true });
    expect(list.rows.map((r) => r.id)).toEqual(['a']);
  });

  it('stays equal to a full recomputation through random remote edits (seeded)', () => {
    const seed = Number(process.env.SEED ?? 20261127);
    const random = seededRandom(seed).next;
    const local = new Y.Doc();
    const remote = new Y.Doc();
    local.on('update', (u: Uint8Array) => Y.applyUpdate(remote, u));
    remote.on('update', (u: Uint8Array) => Y.applyUpdate(local, u));
    const localIndex = new WorkspaceIndex(local);
    const remoteIndex = new WorkspaceIndex(remote);
    let query: TicketQuery = {
      ...DEFAULT_QUERY,
      statuses: ['new', 'open', 'pending'],
      sort: 'priority',
      direction: 'desc',
    };
    const list = new TicketList(localIndex.tickets, query, 'me');
    const ids: string[] = [];
    for (let step = 0; step < 600; step += 1) {
      if (step % 40 === 39) {
        // Now and then another filter: rows rebuilt from the records kept in order.
        query = {
          ...query,
          statuses: query.statuses.length === 3 ? ['solved'] : ['new', 'open', 'pending'],
        };
        list.setQuery(query);
      }
      const action = random();
      if (action < 0.3 || ids.length === 0) {
        const id = `t${step}`;
        ids.push(id);
        remoteIndex.tickets.create(
          {
            id,
            title: `Ticket ${step}`,
            number: step,
            priority: pick(random, TICKET_PRIORITIES),
            tags: [pick(random, ['vpn', 'mail', 'printer'])],
          },
          me,
          step,
        );
      } else if (action < 0.9) {
        remoteIndex.tickets.update(
          pick(random, ids),
          { status: pick(random, TICKET_STATUSES), priority: pick(random, TICKET_PRIORITIES) },
          step,
        );
      } else {
        remoteIndex.tickets.setDeleted(pick(random, ids), random() < 0.5, step);
      }
      const compiled = compileQuery(query, 'me');
      const expected = localIndex.tickets.all().filter(compiled.matches).sort(compiled.compare);
      expect(
        list.rows.map((r) => r.id),
        `seed ${seed}, step ${step}`,
      ).toEqual(expected.map((r) => r.id));
      const live = localIndex.tickets.all().filter((t) => !t.deleted);
      expect(list.liveCount).toBe(live.length);
      expect(list.tags).toEqual([...new Set(live.flatMap((t) => t.tags))].sort());
    }
    list.destroy();
  });

  it('does the same work for a new ticket whether the workspace holds 100 or 5,000', () => {
    /** Creates `size` tickets, then counts the reads one more ticket costs the list. */
    function readsForOneMore(size: number): { gets: number; alls: number } {
      const index = new WorkspaceIndex(new Y.Doc());
      index.doc.transact(() => {
        for (let i = 0; i < size; i++) {
          index.tickets.create({ id: `t${i}`, title: `T${i}`, number: i, tags: ['a'] }, me, i);
        }
      });
      const counted = { gets: 0, alls: 0 };
      const source: TicketSource = {
        all: () => (counted.alls++, index.tickets.all()),
        get: (id) => (counted.gets++, index.tickets.get(id)),
        observe: (listener) => index.tickets.observe(listener),
      };
      const list = new TicketList(source, DEFAULT_QUERY, 'me');
      counted.alls = 0;
      index.tickets.create({ id: 'new', title: 'New', number: size, tags: ['b'] }, me, size);
      expect(list.rows[0]!.id).toBe('new');
      expect(list.liveCount).toBe(size + 1);
      list.destroy();
      return counted;
    }
    expect(readsForOneMore(100)).toEqual({ gets: 1, alls: 0 });
    expect(readsForOneMore(5_000)).toEqual({ gets: 1, alls: 0 });
  });

  it('answers a filter, a typed text and its full-text matches without sorting again', () => {
    // Sorting reads the sort key (updatedAt) of every row it compares; matching a status,
    // a text or a set of ids never does. So a change of filter that reads no updatedAt
    // was answered by one pass over rows already in order.
    const index = new WorkspaceIndex(new Y.Doc());
    index.doc.transact(() => {
      for (let i = 0; i < 2_000; i++) {
        const status = TICKET_STATUSES[i % TICKET_STATUSES.length]!;
        index.tickets.create({ id: `t${i}`, title: `Ticket ${i}`, number: i, status }, me, i);
      }
    });
    let keyReads = 0;
    const counted = (record: TicketRecord): TicketRecord =>
      new Proxy(record, {
        get: (target, field, receiver): unknown => {
          if (field === 'updatedAt') keyReads++;
          return Reflect.get(target, field, receiver) as unknown;
        },
      });
    const source: TicketSource = {
      all: () => index.tickets.all().map(counted),
      get: (id) => {
        const record = index.tickets.get(id);
        return record && counted(record);
      },
      observe: (listener) => index.tickets.observe(listener),
    };
    const list = new TicketList(source, DEFAULT_QUERY, 'me');
    const sorted = keyReads;
    expect(sorted).toBeGreaterThan(2_000); // the one sort, when the list was made
    keyReads = 0;
    list.setQuery({ ...DEFAULT_QUERY, statuses: ['open'] });
    list.setQuery({ ...DEFAULT_QUERY, statuses: ['open', 'pending'] });
    list.setQuery({ ...DEFAULT_QUERY, text: 'ticket 1' });
    list.setTextMatches(new Set(['t5', 't7']));
    list.setQuery({ ...DEFAULT_QUERY, text: 'ticket 19' });
    list.setQuery(DEFAULT_QUERY);
    expect(keyReads).toBe(0);
    const compiled = compileQuery(DEFAULT_QUERY, 'me');
    expect(list.rows.map((r) => r.id)).toEqual(
      index.tickets
        .all()
        .sort(compiled.compare)
        .map((r) => r.id),
    );
    // Another order is a sort, once.
    list.setQuery({ ...DEFAULT_QUERY, sort: 'updatedAt', direction: 'asc' });
    expect(keyReads).toBeGreaterThan(2_000);
    expect(list.rows[0]!.id).toBe('t0');
    list.destroy();
  });

  it('hands listeners a new array so holders of the old one see no change', () => {
    const index = new WorkspaceIndex(new Y.Doc());
    const list = new TicketList(index.tickets, DEFAULT_QUERY, 'me');
    const before = list.rows;
    let received: readonly unknown[] | null = null;
    list.subscribe((rows) => (received = rows));
    index.tickets.create({ id: 'a', title: 'A', number: 1 }, me, 1);
    expect(before).toEqual([]);
    expect(received).toHaveLength(1);
  });
});
