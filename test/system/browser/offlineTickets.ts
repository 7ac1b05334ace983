import * as Y from 'yjs';
import { createTicket, docIds, TicketDoc, WorkspaceIndex } from '@desk/model';
import type { BrowserWorld } from '../../support/browserWorld.ts';
import { requestOk, type Account, type Workspace } from './offlineAccounts.ts';

/**
 * Tickets for the offline browser tests, written straight into the sync engine (thousands in
 * a second), and the plain text of a description, to compare what the server holds.
 */

export interface SeededTicket {
  id: string;
  number: number;
  title: string;
  /** The description's one paragraph. */
  description: string;
}

/**
 * Writes `count` tickets (index entries + ticket docs with a one-paragraph description)
 * straight into the sync engine, with numbers reserved through the REST API so tickets
 * created later in the browser never reuse them.
 */
export async function seedTickets(
  world: BrowserWorld,
  owner: Account,
  workspace: Workspace,
  count: number,
  description: (i: number) => string = (i) => `Description of ticket ${i + 1}.`,
): Promise<SeededTicket[]> {
  const numbers: number[] = [];
  while (numbers.length < count) {
    const block = await requestOk<{ from: number; to: number }>(
      owner.http,
      'POST',
      `/api/workspaces/${workspace.slug}/ticket-numbers`,
      { count: Math.min(100, count - numbers.length) },
    );
    for (let n = block.from; n <= block.to; n++) numbers.push(n);
  }
  const actor = { id: owner.userId, name: owner.name };
  const indexDoc = new Y.Doc();
  const index = new WorkspaceIndex(indexDoc);
  index.ensureSchema();
  const tickets: SeededTicket[] = [];
  const now = Date.now() - 60_000;
  for (let i = 0; i < count; i++) {
    const id = `seed${String(i).padStart(6, '0')}aaaaaaaaaa`.slice(0, 20);
    const ticketDoc = new Y.Doc();
    const ticket = new TicketDoc(ticketDoc);
    ticket.ensureSchema();
    const title = `Seeded ticket ${i + 1}`;
    createTicket(index, ticket, { id, title, number: numbers[i]! }, actor, now + i);
    const paragraph = new Y.XmlElement('paragraph');
    const text = description(i);
    paragraph.insert(0, [new Y.XmlText(text)]);
    ticket.description.insert(0, [paragraph]);
    await world.server.sync.applyServerUpdate(
      docIds.ticket(workspace.id, id),
      Y.encodeStateAsUpdate(ticketDoc),
    );
    tickets.push({ id, number: numbers[i]!, title, description: text });
  }
  await world.server.sync.applyServerUpdate(
    docIds.index(workspace.id),
    Y.encodeStateAsUpdate(indexDoc),
  );
  return tickets;
}

/** Plain text of a description Y.XmlFragment (paragraph texts joined by newlines). */
export function descriptionText(doc: Y.Doc): string {
  return doc
    .getXmlFragment('description')
    .toArray()
    .map((node) =>
      node instanceof Y.XmlElement
        ? node
            .toArray()
            .map((child) => (child instanceof Y.XmlText ? child.toString() : ''))
            .join('')
        : '',
    )
    .join('\n');
}
