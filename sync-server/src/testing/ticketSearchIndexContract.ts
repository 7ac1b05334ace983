import { describe, expect, it } from 'vitest';
import type { FirstPageRow } from '@desk/protocol';
import type { TicketSearchFields, TicketSearchIndex } from '../search/TicketSearchIndex.ts';
import type { AsyncStore } from '../store/sql/asyncStore.ts';
import { closedAfterEach, type StoreFixture } from './storeBackends.ts';

/** A ticket's search fields and list row, as the projector writes them. */
export function searchFields(
  ticketId: string,
  title: string,
  extra: Partial<TicketSearchFields> = {},
  list: Partial<FirstPageRow> = {},
): TicketSearchFields {
  const listRow: FirstPageRow = {
    id: ticketId,
    number: extra.number ?? 1,
    provisionalNumber: 'P-1',
    title,
    status: 'open',
    priority: 'normal',
    assigneeId: null,
    tags: [],
    updatedAt: 1,
    ...list,
  };
  return { ticketId, number: 1, title, people: '', deleted: false, listRow, ...extra };
}

/**
 * What every TicketSearchIndex answers (issue 15's search route, issue 19's PostgreSQL):
 * SQLite's FTS5 (wrapped, or on the seam) and PostgreSQL's tsvector find the same tickets
 * for the same words, rank a title above a body, and keep the cursors and first page alike.
 */
export function describeTicketSearchIndexContract(
  engine: string,
  open: () => Promise<StoreFixture<AsyncStore<TicketSearchIndex>>>,
): void {
  describe(`TicketSearchIndex on ${engine}`, () => {
    const openOne = closedAfterEach(open);
    const setup = async () => {
      const fixture = await openOne();
      const index = fixture.store;
      const ids = async (ws: string, q: string) =>
        (await index.search(ws, q, 20)).map((h) => h.ticketId);
      return { ...fixture, index, ids };
    };

    it('finds a ticket by every word of its title, people and body, the last word as a prefix', async () => {
      const { index, ids } = await setup();
      await index.putFields(
        'ws1',
        [searchFields('t1', 'Printer jams on floor-3', { people: '#7 Ana ana@example.com vip' })],
        5,
      );
      await index.putBody('ws1', 't1', 'The paper tray is misaligned since Monday.', 6);
      expect(await ids('ws1', 'printer')).toEqual(['t1']);
      expect(await ids('ws1', 'PRINTERS')).toEqual([]);
      expect(await ids('ws1', 'tray misal')).toEqual(['t1']);
      expect(await ids('ws1', 'ana@example.com')).toEqual(['t1']);
      expect(await ids('ws1', 'ana@exam')).toEqual(['t1']);
      expect(await ids('ws1', 'example ana')).toEqual(['t1']);
      expect(await ids('ws1', 'vip jams')).toEqual(['t1']);
      expect(await ids('ws1', 'floor 3')).toEqual(['t1']);
      expect(await ids('ws1', '7')).toEqual(['t1']);
      expect(await ids('ws1', 'printer scanner')).toEqual([]);
    });

    it('folds case and diacritics on both sides', async () => {
      const { index, ids } = await setup();
      await index.putFields('ws1', [searchFields('t1', 'Café Ünïcode')], 1);
      expect(await ids('ws1', 'cafe')).toEqual(['t1']);
      expect(await ids('ws1', 'CAFÉ unicode')).toEqual(['t1']);
    });

    it('takes a last word of one letter or digit as a whole word, not as a prefix of every word', async () => {
      const { index, ids } = await setup();
      await index.putFields(
        'ws1',
        [searchFields('t1', 'Printer jams'), searchFields('t2', 'Plan B for p')],
        1,
      );
      expect(await ids('ws1', 'p')).toEqual(['t2']);
      expect(await ids('ws1', 'pr')).toEqual(['t1']);
      expect(await ids('ws1', 'jams p')).toEqual([]);
      expect(await ids('ws1', 'plan b')).toEqual(['t2']);
    });

    it('answers a snippet of the body around the match, as plain text', async () => {
      const { index } = await setup();
      await index.putFields('ws1', [searchFields('t1', 'VPN')], 1);
      await index.putBody(
        'ws1',
        't1',
        'Since the update the client drops the tunnel every ten minutes, and <b>then</b> reconnects.',
        2,
      );
      const [hit] = await index.search('ws1', 'tunnel', 5);
      expect(hit).toMatchObject({ ticketId: 't1', number: 1, title: 'VPN' });
      expect(hit!.snippet).toContain('tunnel');
      expect(hit!.snippet).not.toContain('<mark>');
    });

    it('ranks a title match above a body match', async () => {
      const { index, ids } = await setup();
      await index.putFields(
        'ws1',
        [searchFields('t1', 'Something else'), searchFields('t2', 'Keyboard broken')],
        1,
      );
      await index.putBody('ws1', 't1', 'My keyboard is fine but the mouse is not.', 2);
      expect(await ids('ws1', 'keyboard')).toEqual(['t2', 't1']);
    });

    it('never answers another workspace’s tickets, nor deleted ones', async () => {
      const { index, ids } = await setup();
      await index.putFields('ws1', [searchFields('t1', 'Alpha report')], 1);
      await index.putFields(
        'ws-2',
        [searchFields('t2', 'Alpha report'), searchFields('t3', 'Alpha gone', { deleted: true })],
        1,
      );
      await index.putFields('ws_2', [searchFields('t4', 'Alpha report')], 1);
      expect(await ids('ws1', 'alpha')).toEqual(['t1']);
      expect(await ids('ws-2', 'alpha')).toEqual(['t2']);
      expect(await ids('ws_2', 'alpha')).toEqual(['t4']);
      await index.putFields('ws-2', [searchFields('t3', 'Alpha gone')], 2); // restored from the trash
      expect((await ids('ws-2', 'alpha')).sort()).toEqual(['t2', 't3']);
    });

    it('treats query syntax as words: quotes, stars, operators, columns never error', async () => {
      const { index, ids } = await setup();
      await index.putFields('ws1', [searchFields('t1', 'NEAR the "quoted" star* and OR not')], 1);
      const inputs = [
        '"',
        '""',
        '"unbalanced',
        '*',
        'star*',
        'NEAR(a b, 2)',
        'AND',
        'a AND',
        'title:star',
        'ws_token:x',
        '^near',
        '-',
        '(',
        '{title}: x',
        "'; DROP TABLE search_tickets; --",
        "it's",
        'a & b | !c <-> d:*',
        '\\',
        '\u0000',
        '🙂',
        '   ',
        '',
      ];
      for (const q of inputs) await expect(index.search('ws1', q, 10), q).resolves.toBeDefined();
      expect(await ids('ws1', 'NEAR')).toEqual(['t1']);
      expect(await ids('ws1', '"quoted"')).toEqual(['t1']);
      expect(await ids('ws1', 'star*')).toEqual(['t1']);
      expect(await ids('ws1', 'title:star')).toEqual([]);
    });

    it('keeps the body when the fields change, and the fields when the body does', async () => {
      const { index, ids } = await setup();
      await index.putFields('ws1', [searchFields('t1', 'Old title')], 1);
      await index.putBody('ws1', 't1', 'body words', 2);
      await index.putFields('ws1', [searchFields('t1', 'Old title')], 3);
      await index.putFields('ws1', [searchFields('t1', 'New title')], 4);
      expect(await ids('ws1', 'new body')).toEqual(['t1']);
      expect(await ids('ws1', 'old')).toEqual([]);
      await index.putBody('ws1', 't1', 'other words', 5);
      expect(await ids('ws1', 'new other')).toEqual(['t1']);
      expect(await ids('ws1', 'body')).toEqual([]);
    });

    it('lists workspaces behind their change sequence, and those whose sequence went back or away', async () => {
      const { index, db } = await setup();
      await db.sql.run('INSERT INTO workspace_seq (workspace_id, seq) VALUES (?, ?)', ['ws1', 10]);
      await db.sql.run('INSERT INTO workspace_seq (workspace_id, seq) VALUES (?, ?)', ['ws2', 4]);
      await index.advance('ws2', 4);
      await index.advance('ws3', 9); // no sequence any more: deleted
      expect(await index.behind(10)).toEqual({
        behind: [{ workspaceId: 'ws1', seq: 10, cursor: 0 }],
        reset: ['ws3'],
      });
      await index.advance('ws1', 12); // restored to an older backup: 10 < 12
      expect((await index.behind(10)).reset).toEqual(['ws1', 'ws3']);
    });

    it('forgets a workspace whole, and lists workspaces projected without list rows', async () => {
      const { index, ids, db } = await setup();
      await index.putFields('ws1', [searchFields('t1', 'Alpha')], 3);
      await index.putFields('ws2', [searchFields('t2', 'Alpha')], 3);
      await index.deleteWorkspace('ws1');
      expect(await ids('ws1', 'alpha')).toEqual([]);
      expect(await ids('ws2', 'alpha')).toEqual(['t2']);
      expect(await index.firstPage('ws1', 5, 0)).toEqual([]);
      expect(await index.withoutListRows()).toEqual([]);
      await db.sql.run('DELETE FROM ticket_rows WHERE workspace_id = ?', ['ws2']);
      expect(await index.withoutListRows()).toEqual(['ws2']);
    });

    it('answers the first page: live tickets, newest change first, ties by id, hot ones only', async () => {
      const DAY = 86_400_000;
      const now = 100 * DAY;
      const hotSince = now - 30 * DAY;
      const { index } = await setup();
      await index.putFields(
        'ws1',
        [
          searchFields('b', 'B', {}, { updatedAt: now - 2 }),
          searchFields('a', 'A', {}, { updatedAt: now - 2 }),
          searchFields('c', 'C', {}, { updatedAt: now - 1.5 }),
          searchFields('d', 'D', { deleted: true }, { updatedAt: now }),
          searchFields('old-closed', 'Old', {}, { status: 'closed', updatedAt: hotSince - 1 }),
          searchFields('old-open', 'Old open', {}, { status: 'pending', updatedAt: 5 }),
        ],
        3,
      );
      await index.putFields('ws2', [searchFields('x', 'X', {}, { updatedAt: now })], 1);
      const page = async (limit = 50) =>
        (await index.firstPage('ws1', limit, hotSince)).map((r) => r.id);
      expect(await page()).toEqual(['c', 'a', 'b', 'old-open']);
      expect(await page(2)).toEqual(['c', 'a']);
      const [row] = await index.firstPage('ws1', 1, hotSince);
      expect(row).toEqual({
        id: 'c',
        number: 1,
        provisionalNumber: 'P-1',
        title: 'C',
        status: 'open',
        priority: 'normal',
        assigneeId: null,
        tags: [],
        updatedAt: now - 1.5,
      });
    });
  });
}
