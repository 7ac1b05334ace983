import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERY, TicketIndex, type TicketRecord } from '@desk/model';
import { addsToList } from './serverHitPlace.ts';

const actor = { id: 'u1', name: 'Ann' };

function records(): { printer: TicketRecord; vpn: TicketRecord } {
  const index = new TicketIndex(new Y.Doc());
  const printer = index.create({ id: 'printer', title: 'Printer jammed', number: 1 }, actor, 1);
  const vpn = index.create(
    { id: 'vpn', title: 'VPN drops', number: 2, status: 'pending' },
    actor,
    2,
  );
  return { printer, vpn };
}

describe('addsToList (a server hit beside the list)', () => {
  it('shows a loaded ticket the list lacks only when its filters, text aside, would keep it', () => {
    const { printer, vpn } = records();
    const list = {
      rows: [],
      query: { ...DEFAULT_QUERY, text: 'toner', statuses: [printer.status] },
      me: 'u1',
    };
    // Its text not read on this device yet, of the status filtered for: beside the list.
    expect(addsToList(list, printer.id, printer)).toBe(true);
    // Pending: the status filter hides it from the list, so its server hit is not shown either.
    expect(addsToList(list, vpn.id, vpn)).toBe(false);
  });

  it('always shows a ticket in no loaded index or shard (an archived month not loaded)', () => {
    const list = { rows: [], query: { ...DEFAULT_QUERY, statuses: ['open' as const] }, me: 'u1' };
    expect(addsToList(list, 'archived-1', null)).toBe(true);
  });

  it('does not repeat a row the list shows', () => {
    const { printer } = records();
    const list = { rows: [printer], query: { ...DEFAULT_QUERY, text: 'printer' }, me: 'u1' };
    expect(addsToList(list, printer.id, printer)).toBe(false);
  });
});
