import { createTicket, postComment, TicketDoc, WorkspaceIndex, type Actor } from '@desk/model';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import { seededRandom } from '../scenarios/Scenario.ts';

/**
 * Realistic tickets made with the product's own `@desk/model` calls, as a desk's clients make
 * them: a title and fields in the workspace index, a rich-text description of 800–1,400
 * characters (paragraphs as y-prosemirror stores them), and three comments of about 300
 * characters. Issue 13 measured 26 MB for 10,000 of them while the index carried each
 * ticket's search text; since issue 15 it does not, and the same tickets make ~5 MB.
 */
export interface RealisticWorkspace {
  /** The workspace index doc (`<ws>:index`) holding every ticket's row. */
  readonly index: Y.Doc;
  /** Ticket ids in creation order (`t0`, `t1`, …). */
  readonly ticketIds: readonly string[];
}

export const WORDS = (
  'printer invoice password login error screen email account refund shipping order ' +
  'laptop network printer cable office meeting update install license backup server ' +
  'report weekly customer urgent please again since yesterday morning tried restart ' +
  'settings browser mobile app crash slow page button missing export import file'
).split(' ');

/**
 * Random words of WORDS, and text of about `chars` characters as sentences of 6–13 words,
 * drawn from `random` (one draw a word, one a sentence): the same seed makes the same text.
 */
export function randomText(random: () => number): {
  words: (n: number) => string;
  text: (chars: number) => string;
} {
  const words = (n: number) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(WORDS[Math.floor(random() * WORDS.length)]!);
    return out.join(' ');
  };
  const text = (chars: number) => {
    let out = '';
    while (out.length < chars) out += `${words(6 + Math.floor(random() * 8))}. `;
    return out.slice(0, chars).trim();
  };
  return { words, text };
}

const agents: readonly Actor[] = [
  { id: 'agent-ana', name: 'Ana' },
  { id: 'agent-bo', name: 'Bo' },
  { id: 'agent-cy', name: 'Cy' },
];

/** Builds `count` tickets into one index doc; ticket docs are made and dropped one by one. */
export function makeRealisticWorkspace(count: number, seed = 1): RealisticWorkspace {
  const random = seededRandom(seed);
  const { text } = randomText(random);
  const indexDoc = new Y.Doc();
  const index = new WorkspaceIndex(indexDoc);
  const ticketIds: string[] = [];
  const t0 = 1_760_000_000_000;
  for (let i = 0; i < count; i++) {
    const id = `t${i}`;
    const now = t0 + i * 60_000;
    const actor = agents[i % agents.length]!;
    const ticket = new TicketDoc(new Y.Doc());
    indexDoc.transact(() => {
      createTicket(
        index,
        ticket,
        {
          id,
          number: i + 1,
          title: text(30 + Math.floor(random() * 40)),
          status: (['new', 'open', 'pending', 'solved'] as const)[i % 4],
          priority: (['low', 'normal', 'high'] as const)[i % 3],
          type: 'incident',
          assigneeId: i % 5 === 0 ? null : agents[i % 3]!.id,
          requester: { name: `Customer ${i}`, email: `customer${i}@example.com` },
          tags: [WORDS[i % WORDS.length]!, `floor-${i % 4}`],
        },
        actor,
        now,
      );
      writeDescription(ticket, text(800 + Math.floor(random() * 600)));
      for (let c = 0; c < 3; c++) {
        postComment(
          index,
          ticket,
          id,
          {
            id: `${id}-c${c}`,
            kind: c === 1 ? 'note' : 'reply',
            body: text(260 + Math.floor(random() * 80)),
          },
          agents[(i + c) % agents.length]!,
          now + (c + 1) * 1000,
        );
      }
    });
    ticket.doc.destroy();
    ticketIds.push(id);
  }
  return { index: indexDoc, ticketIds };
}

/** A description as the editor stores it: a Y.XmlFragment of paragraphs holding text. */
export function writeDescription(ticket: TicketDoc, body: string): void {
  const paragraphs = body.match(/[^.]+(\.|$)(\s|$)/g) ?? [body];
  const chunks: string[] = [];
  for (let i = 0; i < paragraphs.length; i += 3) chunks.push(paragraphs.slice(i, i + 3).join(''));
  ticket.description.insert(
    0,
    chunks.map((chunk) => {
      const p = new Y.XmlElement('paragraph');
      p.insert(0, [new Y.XmlText(chunk.trim())]);
      return p;
    }),
  );
}

/**
 * `makeRealisticWorkspace`'s index doc as one update, cached on disk (under the OS temp
 * folder) because making 10,000 tickets takes tens of seconds on this machine: the second
 * run of the same size and seed reads the file. Delete the folder to regenerate.
 */
export function realisticIndexState(count: number, seed = 1): Uint8Array {
  const dir = path.join(os.tmpdir(), 'desk-bench-cache');
  const file = path.join(dir, `realistic-index-v${GENERATOR_VERSION}-${count}-${seed}.bin`);
  if (fs.existsSync(file)) return new Uint8Array(fs.readFileSync(file));
  const state = Y.encodeStateAsUpdate(makeRealisticWorkspace(count, seed).index);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(`${file}.tmp`, state);
  fs.renameSync(`${file}.tmp`, file);
  return state;
}

/** Bump when the generator changes what it makes, so stale cache files are not read. */
const GENERATOR_VERSION = 2;

/**
 * A workspace index grown to each of `sizesMb` (encoded size, approximately), for documents
 * far larger than a real desk makes quickly: rows made with the model's own
 * `tickets.create` but without ticket docs, each with ~2,000 characters of filler text on
 * the row (as the index's search text was before issue 15), so a large doc is quick to
 * reach. One doc is built once; its state is taken as it passes each size, so the smaller
 * docs are prefixes of the larger.
 */
export function growingIndexStates(sizesMb: readonly number[], seed = 1): Map<number, Uint8Array> {
  const random = seededRandom(seed);
  const sorted = [...sizesMb].sort((a, b) => a - b);
  const doc = new Y.Doc();
  const index = new WorkspaceIndex(doc);
  const out = new Map<number, Uint8Array>();
  const filler = WORDS.join(' ');
  let rows = 0;
  // ~2.5 KB per encoded row (measured); re-measured at every size taken.
  let bytesPerRow = 2_500;
  for (const mb of sorted) {
    const target = mb * 1_000_000;
    for (;;) {
      const want = Math.ceil(target / bytesPerRow);
      if (rows < want) {
        doc.transact(() => {
          for (; rows < want; rows++) {
            const id = `g${rows}`;
            index.tickets.create(
              {
                id,
                number: rows + 1,
                title: `Ticket ${rows}: ${filler.slice(0, 20 + Math.floor(random() * 40))}`,
                requester: { name: `Customer ${rows}`, email: `c${rows}@example.com` },
                tags: [WORDS[rows % WORDS.length]!],
              },
              agents[rows % agents.length]!,
              1_760_000_000_000 + rows,
            );
            const offset = Math.floor(random() * filler.length);
            const text = `${rows} ${filler.slice(offset)} ${filler.repeat(8)}`.slice(0, 2_000);
            index.tickets.map.get(id)!.set('filler', text);
          }
        });
      }
      const state = Y.encodeStateAsUpdate(doc);
      bytesPerRow = state.byteLength / rows;
      if (state.byteLength >= target * 0.98) {
        out.set(mb, state);
        break;
      }
    }
  }
  doc.destroy();
  return out;
}
