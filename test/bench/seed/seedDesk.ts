// A seeding tool (issue 15): a realistic desk of N tickets, made with @desk/model
// (realisticDesk.ts), written straight into a stopped server's SQLite store with the
// server's own SqliteDocStore — thousands of docs a second, no sockets.
//
//   pnpm --filter @desk/test exec tsx bench/seed/seedDesk.ts \
//     --data-dir <DATA_DIR of a stopped server> --workspace <workspace id> --tickets 10000
//
// The workspace must exist and hold no tickets yet (its number counter is advanced past the
// seeded numbers, so tickets made later never reuse one).
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { docIds } from '@desk/model';
import * as Y from 'yjs';
import { openSqlite } from '../../../sync-server/src/db/Database.ts';
import { SqliteDocStore } from '../../../sync-server/src/store/SqliteDocStore.ts';
import {
  MAX_BLOCK_SIZE,
  SqliteTicketNumberCounter,
} from '../../../sync-server/src/tickets/TicketNumberCounter.ts';
import { makeRealisticDesk } from './realisticDesk.ts';

export interface SeededDesk {
  readonly tickets: number;
  /** Tickets left in the hot index, and those moved to archive shards. */
  readonly hot: number;
  readonly archived: number;
  readonly indexBytes: number;
  readonly shards: number;
  readonly largestShardBytes: number;
  /** All ticket docs together. */
  readonly ticketDocBytes: number;
  readonly seconds: number;
}

/** Docs per SQLite transaction: one commit per doc would make 100,000 fsync-bound writes. */
const BATCH = 1_000;

export function seedDesk(
  dataDir: string,
  workspaceId: string,
  count: number,
  seed = 1,
): SeededDesk {
  const started = performance.now();
  const db = openSqlite(path.join(dataDir, 'desk.sqlite'));
  try {
    const store = new SqliteDocStore(db);
    const pending: { docId: string; state: Uint8Array }[] = [];
    const write = db.transaction((docs: { docId: string; state: Uint8Array }[]) => {
      for (const { docId, state } of docs) {
        // Stored as a long-lived doc is: one merged state, its log compacted away.
        const [written] = store.append([{ docId, workspaceId, update: state }]);
        store.compact(docId, state, written!.logId);
      }
    });
    const flush = () => write(pending.splice(0));
    let ticketDocBytes = 0;
    // Numbers 1..count, reserved with the server's own counter (at most 100 per block).
    const counter = new SqliteTicketNumberCounter(db);
    for (let reserved = 0; reserved < count;) {
      const block = counter.reserve(workspaceId, Math.min(MAX_BLOCK_SIZE, count - reserved));
      if (block.from !== reserved + 1) {
        throw new Error(
          `workspace ${workspaceId} already numbered tickets (next was ${block.from})`,
        );
      }
      reserved = block.to;
    }
    const desk = makeRealisticDesk({
      count,
      workspaceId,
      seed,
      onTicketDoc: (docId, state) => {
        ticketDocBytes += state.byteLength;
        pending.push({ docId, state });
        if (pending.length >= BATCH) flush();
      },
    });
    const index = Y.encodeStateAsUpdate(desk.index);
    pending.push({ docId: docIds.index(workspaceId), state: index });
    let largestShardBytes = 0;
    for (const [month, doc] of desk.shards) {
      const state = Y.encodeStateAsUpdate(doc);
      largestShardBytes = Math.max(largestShardBytes, state.byteLength);
      pending.push({ docId: docIds.archive(workspaceId, month), state });
    }
    flush();
    return {
      tickets: count,
      hot: desk.hot,
      archived: desk.archived,
      indexBytes: index.byteLength,
      shards: desk.shards.size,
      largestShardBytes,
      ticketDocBytes,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    db.close();
  }
}

function main(argv: readonly string[]): void {
  const arg = (name: string) => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const dataDir = arg('data-dir');
  const workspaceId = arg('workspace');
  const tickets = Number(arg('tickets') ?? 10_000);
  if (!dataDir || !workspaceId || !Number.isInteger(tickets) || tickets <= 0) {
    process.stderr.write(
      'usage: tsx bench/seed/seedDesk.ts --data-dir <dir> --workspace <id> [--tickets 10000]\n',
    );
    process.exitCode = 64;
    return;
  }
  const result = seedDesk(dataDir, workspaceId, tickets, Number(arg('seed') ?? 1));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
