import * as Y from 'yjs';
import {
  createTicket,
  docIds,
  TicketDoc,
  WorkspaceIndex,
  type Actor,
  type NewTicket,
} from '@desk/model';
import type { BrowserWorld } from '../../support/browserWorld.ts';
import { requestOk, type Account, type Workspace } from './offlineAccounts.ts';

/**
 * Tickets for the browser tests, written straight into the sync engine (thousands in a
 * second), and the plain text of a description, to compare what the server holds.
 */

export interface SeededTicket {
  id: string;
  number: number;
  title: string;
  /** The description's one paragraph. */
  description: string;
}

/** One ticket to write: its index fields, its description's one paragraph, who and when. */
export interface TicketToWrite extends NewTicket {
  description: string;
  by: Actor;
  at: number;
  /** More to write into it before it is stored (a thread, say). */
  also?: (ticket: TicketDoc, index: WorkspaceIndex) => void;
}

/**
 * Reserves `count` ticket numbers through the REST API (in blocks of at most 100), so
 * tickets created later in the browser never reuse them.
 */
export async function reserveTicketNumbers(
  owner: Account,
  workspace: Workspace,
  count: number,
): Promise<number[]> {
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
  return numbers;
}

/**
 * Writes `tickets` (index entries + ticket docs) straight into the sync engine, as the
 * server's own updates: each ticket doc, then the index entries in one update.
 */
export async function writeTickets(
  world: BrowserWorld,
  workspace: Workspace,
  tickets: readonly TicketToWrite[],
): Promise<void> {
  const indexDoc = new Y.Doc();
  const index = new WorkspaceIndex(indexDoc);
  index.ensureSchema();
  for (const { description, by, at, also, ...fields } of tickets) {
    const ticketDoc = new Y.Doc();
    const ticket = new TicketDoc(ticketDoc);
    ticket.ensureSchema();
    createTicket(index, ticket, fields, by, at);
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText(description)]);
    ticket.description.insert(0, [paragraph]);
    also?.(ticket, index);
    await world.server.sync.applyServerUpdate(
      docIds.ticket(workspace.id, fields.id),
      Y.encodeStateAsUpdate(ticketDoc),
    );
  }
  await world.server.sync.applyServerUpdate(
    docIds.index(workspace.id),
    Y.encodeStateAsUpdate(indexDoc),
  );
}

/**
 * Writes `count` tickets by the owner ("Seeded ticket 1", …) with a one-paragraph
 * description each, with reserved numbers.
 */
export async function seedTickets(
  world: BrowserWorld,
  owner: Account,
  workspace: Workspace,
  count: number,
  description: (i: number) => string = (i) => `Description of ticket ${i + 1}.`,
): Promise<SeededTicket[]> {
  const numbers = await reserveTicketNumbers(owner, workspace, count);
  const by = { id: owner.userId, name: owner.name };
  const now = Date.now() - 60_000;
  const tickets = numbers.map((number, i) => ({
    id: `seed${String(i).padStart(6, '0')}aaaaaaaaaa`.slice(0, 20),
    number,
    title: `Seeded ticket ${i + 1}`,
    description: description(i),
  }));
  await writeTickets(
    world,
    workspace,
    tickets.map((ticket, i) => ({ ...ticket, by, at: now + i })),
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
