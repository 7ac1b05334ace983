import {
  ArchiveShard,
  createTicket,
  docIds,
  moveToArchive,
  planArchive,
  postComment,
  TicketDoc,
  updateTicket,
  WorkspaceIndex,
  type Actor,
  type TicketPriority,
  type TicketStatus,
  type TicketType,
} from '@desk/model';
import * as Y from 'yjs';
import { seededRandom } from '../scenarios/Scenario.ts';
import { randomText, WORDS, writeDescription } from './realisticTickets.ts';

/**
 * A desk as it looks after months of use, made with the product's own `@desk/model` calls
 * as its agents' clients make them: tickets created over time (about 140 a day, so
 * 100,000 span two years), each with a rich-text description of 800–1,400 characters and
 * three comments of ~300, most older ones solved or closed some days after they came in,
 * the recent ones still open. Then the archiving step every device runs after its first
 * sync moves the old closed ones into their month's shard — the layout a workspace of this
 * size has on the server.
 *
 * Twelve agents write: each write is stamped with that agent's Yjs client id, as it would
 * be from their device, so the index's structs do not merge better than real ones do.
 */
export interface RealisticDesk {
  readonly workspaceId: string;
  /** `<ws>:index`: the hot index (open and recently changed tickets). */
  readonly index: Y.Doc;
  /** `<ws>:archive:<YYYY-MM>` docs by month. */
  readonly shards: ReadonlyMap<string, Y.Doc>;
  /** Tickets in the hot index and in shards. */
  readonly hot: number;
  readonly archived: number;
  /** "now" of the desk (archiving ran at this time). */
  readonly now: number;
}

export interface RealisticDeskOptions {
  readonly count: number;
  readonly workspaceId: string;
  readonly seed?: number;
  /** Receives each ticket doc (`<ws>:ticket:<id>`) as one update; the doc is dropped after. */
  readonly onTicketDoc?: (docId: string, state: Uint8Array) => void;
  /** Leave every ticket in the index (to measure the layout without shards). */
  readonly skipArchive?: boolean;
}

/** Tickets a desk gets per day, about what 50 agents answer. */
const PER_DAY = 140;
const DAY = 24 * 60 * 60 * 1000;
/** A fixed "now", so runs are comparable: 1 December 2026, noon UTC. */
export const DESK_NOW = Date.UTC(2026, 11, 1, 12);

const AGENT_COUNT = 12;
const agents: readonly Actor[] = Array.from({ length: AGENT_COUNT }, (_, i) => ({
  id: `agent-${String(i).padStart(2, '0')}`,
  name: `Agent ${i}`,
}));
const PRIORITIES: readonly TicketPriority[] = [
  'low',
  'normal',
  'normal',
  'normal',
  'high',
  'urgent',
];
const TYPES: readonly TicketType[] = ['question', 'incident', 'problem', 'task'];

export function makeRealisticDesk(options: RealisticDeskOptions): RealisticDesk {
  const { count, workspaceId } = options;
  const random = seededRandom(options.seed ?? 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const { text } = randomText(random);
  const indexDoc = new Y.Doc();
  const index = new WorkspaceIndex(indexDoc);
  const clientIds = agents.map((_, i) => 1_000_000 + i);
  const span = Math.max(30, Math.ceil(count / PER_DAY)) * DAY;
  const start = DESK_NOW - span;
  for (let i = 0; i < count; i++) {
    const id = `tk${String(i).padStart(7, '0')}`;
    const created = start + Math.floor((i / count) * span);
    const age = DESK_NOW - created;
    const agent = i % AGENT_COUNT;
    const actor = agents[agent]!;
    indexDoc.clientID = clientIds[agent]!;
    const ticketDoc = new Y.Doc();
    ticketDoc.clientID = clientIds[agent]!;
    const ticket = new TicketDoc(ticketDoc);
    const initial: TicketStatus = 'new';
    createTicket(
      index,
      ticket,
      {
        id,
        number: i + 1,
        title: text(30 + Math.floor(random() * 50)),
        status: initial,
        priority: pick(PRIORITIES),
        type: pick(TYPES),
        assigneeId: random() < 0.15 ? null : pick(agents).id,
        requester: { name: `Customer ${i % 5000}`, email: `customer${i % 5000}@example.com` },
        tags: random() < 0.5 ? [pick(WORDS)] : [pick(WORDS), `team-${i % 7}`],
      },
      actor,
      created,
    );
    writeDescription(ticket, text(800 + Math.floor(random() * 600)));
    // Replies over the first hours, from agents (each from their own device).
    for (let c = 0; c < 3; c++) {
      const by = (agent + c) % AGENT_COUNT;
      indexDoc.clientID = clientIds[by]!;
      ticketDoc.clientID = clientIds[by]!;
      postComment(
        index,
        ticket,
        id,
        {
          id: `${id}-c${c}`,
          kind: c === 1 ? 'note' : 'reply',
          body: text(260 + Math.floor(random() * 80)),
        },
        agents[by]!,
        created + (c + 1) * 3_600_000,
      );
    }
    const final = finalStatus(age, random);
    if (final !== 'new') {
      const closedAfter = final === 'solved' || final === 'closed' ? 1 + random() * 9 : 0.2;
      const at = Math.min(DESK_NOW - 60_000, created + closedAfter * DAY);
      updateTicket(index, ticket, id, { status: final }, actor, at);
    }
    options.onTicketDoc?.(docIds.ticket(workspaceId, id), Y.encodeStateAsUpdate(ticketDoc));
    ticketDoc.destroy();
  }
  const shards = new Map<string, Y.Doc>();
  let archived = 0;
  if (!options.skipArchive) {
    indexDoc.clientID = clientIds[0]!;
    for (const [month, records] of planArchive(index.tickets, DESK_NOW)) {
      const doc = new Y.Doc();
      doc.clientID = clientIds[0]!;
      shards.set(month, doc);
      const shard = new ArchiveShard(doc, month);
      shard.ensureSchema();
      for (let i = 0; i < records.length; i += 500) {
        const ids = records.slice(i, i + 500).map((r) => r.id);
        archived += moveToArchive(index, shard, ids, DESK_NOW);
      }
    }
  }
  index.ensureSchema();
  return { workspaceId, index: indexDoc, shards, hot: index.tickets.size, archived, now: DESK_NOW };
}

/** Most tickets older than two weeks are done; recent ones are a mix. */
function finalStatus(age: number, random: () => number): TicketStatus {
  const r = random();
  if (age > 14 * DAY) {
    if (r < 0.55) return 'closed';
    if (r < 0.97) return 'solved';
    if (r < 0.985) return 'pending';
    return 'open';
  }
  if (r < 0.2) return 'new';
  if (r < 0.55) return 'open';
  if (r < 0.7) return 'pending';
  if (r < 0.75) return 'on_hold';
  return 'solved';
}
