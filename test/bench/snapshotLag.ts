// The `snapshot` section of `pnpm bench` (`pnpm bench --scenarios=snapshot`; sizes
// --snapshot-tickets / --snapshot-changed), which runs this script in a child process
// (runSnapshotLag.ts) and reads its --json back. It can still be run alone:
// `pnpm --filter @desk/test exec tsx bench/snapshotLag.ts [--tickets 10000] [--changed 100] [--json FILE]`
//
// Snapshot, diff and restore of a large workspace must not stall sync (DESIGN §4.7): this
// measures the server's event-loop delay (p50/p99/max, perf_hooks histogram at 1 ms
// resolution) while each operation runs in the server's own process, and how long each
// takes. Target: p99 lag < 50 ms. The server is the real one (createServer, SQLite in a
// temp dir, accounts, sync engine); the workspace is seeded straight into the doc store.
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type {
  ExportResponse,
  RestoreResponse,
  SnapshotDiffResponse,
  SnapshotSummary,
} from '@desk/protocol';
import { signUp, startAuthTestServer } from '../../sync-server/src/testing/authTestServer.ts';
import type { SnapshotLagJson, SnapshotPhase } from './report/Results.ts';

const { values } = parseArgs({
  options: {
    tickets: { type: 'string', default: process.env.BENCH_SNAPSHOT_TICKETS ?? '10000' },
    changed: { type: 'string', default: process.env.BENCH_SNAPSHOT_CHANGED ?? '100' },
    json: { type: 'string' },
    /** Write a CPU profile of the measured phases (open in Chrome DevTools). */
    profile: { type: 'string' },
  },
});
const TICKETS = Number(values.tickets);
const CHANGED = Number(values.changed);
// The phases change tickets t0, t7, t14, … and delete and restore t1.
if (
  !Number.isInteger(TICKETS) ||
  !Number.isInteger(CHANGED) ||
  TICKETS < 2 ||
  CHANGED < 0 ||
  (CHANGED - 1) * 7 >= TICKETS
) {
  process.stderr.write(
    `snapshotLag: needs --tickets ≥ 2 and --changed ≤ ⌈tickets / 7⌉ (it changes every 7th ticket), got --tickets ${values.tickets} --changed ${values.changed}\n`,
  );
  process.exit(64);
}

/**
 * A live edit every 25 ms between two y-websocket clients on a small doc of the same
 * workspace: how long sync really waits while the operation runs.
 */
class SyncProbe {
  readonly #samples: number[] = [];
  #timer: NodeJS.Timeout | null = null;
  #n = 0;

  constructor(
    private readonly writer: Y.Doc,
    reader: Y.Doc,
  ) {
    reader.getMap<number>('probe').observe((event) => {
      for (const key of event.keysChanged) {
        const sent = reader.getMap<number>('probe').get(key);
        if (typeof sent === 'number') this.#samples.push(performance.now() - sent);
      }
    });
  }

  /** Resolves when one edit of the writer reached the reader; throws after 30 s. */
  async roundTrip(): Promise<void> {
    const map = this.writer.getMap<number>('probe');
    const sent = performance.now();
    map.set('ready', sent);
    const by = sent + 30_000;
    while (this.#samples.length === 0) {
      if (performance.now() > by) throw new Error('the sync probe: no edit came through');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  start(): void {
    this.#samples.length = 0;
    this.#timer = setInterval(() => {
      this.#n += 1;
      this.writer.getMap<number>('probe').set(`k${this.#n % 50}`, performance.now());
    }, 25);
  }

  stop(): { p50: number; p99: number } {
    if (this.#timer) clearInterval(this.#timer);
    const sorted = [...this.#samples].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted.length
        ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10
        : NaN;
    return { p50: at(0.5), p99: at(0.99) };
  }
}

let probe: SyncProbe | null = null;

async function measure<T>(
  phase: string,
  run: () => Promise<T>,
  note: (value: T) => string = () => '',
): Promise<{ value: T; result: SnapshotPhase }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  probe?.start();
  const started = performance.now();
  const value = await run();
  const ms = performance.now() - started;
  histogram.disable();
  const sync = probe?.stop() ?? { p50: NaN, p99: NaN };
  const toMs = (ns: number) => Math.round((ns / 1e6) * 10) / 10;
  const result = {
    phase,
    ms: Math.round(ms),
    lagP50: toMs(histogram.percentile(50)),
    lagP99: toMs(histogram.percentile(99)),
    lagMax: toMs(histogram.max),
    syncP50: sync.p50,
    syncP99: sync.p99,
    note: note(value),
  };
  process.stderr.write(
    `[snapshot-lag] ${phase}: ${result.ms} ms, lag p99 ${result.lagP99} ms, sync p99 ${result.syncP99} ms\n`,
  );
  return { value, result };
}

/** A table cell in ms; "—" for no samples (NaN: no probe edit came through). */
function msCell(value: number | null): string {
  return value === null || Number.isNaN(value) ? '—' : `${value} ms`;
}

function paragraph(text: string): Y.XmlElement {
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  return p;
}

const lorem =
  'The printer on the third floor prints every page twice and the second copy is blank. ';

function ticketDoc(i: number): Uint8Array {
  const doc = new Y.Doc();
  doc.transact(() => {
    doc
      .getXmlFragment('description')
      .insert(0, [
        paragraph(`${lorem}Ticket ${i}.`),
        paragraph(lorem.repeat(2)),
        paragraph('Steps: turn it off and on again.'),
      ]);
    const comments = doc.getMap('comments');
    for (let c = 0; c < 3; c += 1) {
      const comment = new Y.Map<unknown>();
      comment.set('kind', c === 1 ? 'note' : 'reply');
      comment.set('authorName', 'Ana');
      comment.set('body', `Reply ${c} on ticket ${i}: ${lorem}`);
      comment.set('createdAt', 1_700_000_000_000 + c);
      comment.set('deleted', false);
      comments.set(`c${i}-${c}`, comment);
    }
    doc.getArray('activity').push([{ kind: 'created', at: 1_700_000_000_000 }]);
  });
  return Y.encodeStateAsUpdate(doc);
}

function indexRow(i: number): Y.Map<unknown> {
  const row = new Y.Map<unknown>();
  const fields: Record<string, unknown> = {
    number: i + 1,
    title: `Printer prints twice (${i})`,
    status: ['new', 'open', 'pending', 'solved'][i % 4],
    priority: ['low', 'normal', 'high'][i % 3],
    type: 'incident',
    assigneeId: i % 5 === 0 ? null : `user${i % 7}`,
    requester: { name: `Customer ${i}`, email: `c${i}@example.com` },
    tags: ['printer', `floor-${i % 3}`],
    dueDate: null,
    createdAt: 1_700_000_000_000 + i,
    updatedAt: 1_700_000_000_000 + i,
    createdBy: 'user1',
    deleted: false,
    searchText: `${lorem}${lorem}`.slice(0, 160),
    commentCount: 3,
  };
  for (const [key, value] of Object.entries(fields)) row.set(key, value);
  return row;
}

async function main(): Promise<void> {
  const t = await startAuthTestServer({
    SNAPSHOT_INTERVAL_MINUTES: '0',
    BACKUP_INTERVAL_HOURS: '0',
  });
  try {
    const owner = await signUp(t);
    const ws = owner.workspaceId;
    // A 10,000-ticket workspace with a 6 MiB index is past the trial's limits (2,000 tickets,
    // 5 MiB documents): the probe's new ticket doc was refused with ticket_limit and sync was
    // never measured. On the business plan, as a customer with such a workspace would be.
    t.server.services.transactions.write(() =>
      t.server.services.subscriptions.setPlan(ws, 'business', { kind: 'system', userId: null }),
    );
    const base = `/api/workspaces/${owner.slug}/snapshots`;
    const store = t.server.sync.store;
    const results: SnapshotPhase[] = [];

    // Seed: 10,000 ticket docs and the index doc, straight into the store in batches.
    const seeded = await measure(
      'seed (not a target)',
      async () => {
        for (let from = 0; from < TICKETS; from += 500) {
          const batch = [];
          for (let i = from; i < Math.min(TICKETS, from + 500); i += 1) {
            batch.push({ docId: `${ws}:ticket:t${i}`, workspaceId: ws, update: ticketDoc(i) });
          }
          store.append(batch);
          await new Promise((resolve) => setImmediate(resolve));
        }
        const index = new Y.Doc();
        index.transact(() => {
          const tickets = index.getMap('tickets');
          for (let i = 0; i < TICKETS; i += 1) tickets.set(`t${i}`, indexRow(i));
        });
        const state = Y.encodeStateAsUpdate(index);
        const [written] = store.append([{ docId: `${ws}:index`, workspaceId: ws, update: state }]);
        // Stored as a compacted state, as a long-lived index doc is: the engine's own
        // compaction of a 6 MiB log is not what this scenario measures.
        store.compact(`${ws}:index`, state, written!.logId);
        return state.byteLength;
      },
      (bytes) => `index doc ${(bytes / 1024 / 1024).toFixed(1)} MiB`,
    );
    results.push(seeded.result);

    // People at work: one client holds the index doc open (so its room stays loaded, as it
    // does while anyone uses the workspace), and the probe pair edits a small doc.
    const token = await owner.client.post<{ token: string }>('/api/auth/tokens', {
      name: 'bench',
      workspaceId: ws,
    });
    const wsUrl = `${t.server.url.replace('http', 'ws')}/yjs`;
    const providers: WebsocketProvider[] = [];
    const connect = async (docId: string) => {
      const provider = new WebsocketProvider(wsUrl, docId, new Y.Doc(), {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        params: { token: token.body.token },
        disableBc: true,
      });
      providers.push(provider);
      await new Promise<void>((resolve) => provider.once('sync', () => resolve()));
      return provider;
    };
    await connect(`${ws}:index`);
    const [writer, reader] = [
      await connect(`${ws}:ticket:probe`),
      await connect(`${ws}:ticket:probe`),
    ];
    probe = new SyncProbe(writer.doc, reader.doc);
    // One edit through before anything is measured: a probe whose edits are refused would
    // report no round trips ("—") instead of failing.
    await probe.roundTrip();
    const session = values.profile ? new Session() : null;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }

    const takeSnapshot = async (label: string) => {
      const res = await owner.client.post<{ snapshot: SnapshotSummary }>(base, { label });
      if (res.status !== 201) throw new Error(`snapshot: ${res.status}`);
      return res.body.snapshot;
    };
    const first = await measure(
      'snapshot, first (every doc new)',
      () => takeSnapshot('first'),
      (s) =>
        `${s.docCount} docs, ${(s.totalBytes / 1024 / 1024).toFixed(1)} MiB, stored ${(s.addedBytes / 1024 / 1024).toFixed(1)} MiB`,
    );
    results.push(first.result);

    // Change some tickets through the sync engine (index rows and ticket docs).
    const changeTickets = async (round: number) => {
      const index = new Y.Doc();
      Y.applyUpdate(index, await t.server.sync.readDocState(`${ws}:index`));
      const before = Y.encodeStateVector(index);
      index.transact(() => {
        for (let i = 0; i < CHANGED; i += 1) {
          const row = index.getMap('tickets').get(`t${i * 7}`) as Y.Map<unknown>;
          row.set('status', `changed-${round}`);
        }
        index.getMap('tickets').delete('t1');
      });
      await t.server.sync.applyServerUpdate(`${ws}:index`, Y.encodeStateAsUpdate(index, before));
      for (let i = 0; i < CHANGED; i += 1) {
        const doc = new Y.Doc();
        const docId = `${ws}:ticket:t${i * 7}`;
        Y.applyUpdate(doc, await t.server.sync.readDocState(docId));
        const sv = Y.encodeStateVector(doc);
        doc.getXmlFragment('description').insert(0, [paragraph(`Round ${round}`)]);
        await t.server.sync.applyServerUpdate(docId, Y.encodeStateAsUpdate(doc, sv));
      }
    };
    await changeTickets(1);

    const second = await measure(
      `snapshot, again (${CHANGED} tickets changed)`,
      () => takeSnapshot('second'),
      (s) => `stored ${(s.addedBytes / 1024).toFixed(0)} KiB`,
    );
    results.push(second.result);
    results.push(
      (
        await measure(
          'diff snapshot vs now',
          async () => {
            const res = await owner.client.get<SnapshotDiffResponse>(
              `${base}/${first.value.id}/diff`,
            );
            if (res.status !== 200) throw new Error(`diff: ${res.status}`);
            return res.body;
          },
          (d) => `${d.tickets.changed.length} changed, ${d.tickets.removed.length} removed`,
        )
      ).result,
    );
    results.push(
      (
        await measure(
          'restore one ticket',
          async () => {
            const res = await owner.client.post<RestoreResponse>(
              `${base}/${first.value.id}/restore`,
              { scope: 'ticket', ticketId: 't1' },
            );
            if (res.status !== 200) throw new Error(`restore: ${res.status}`);
            return res.body;
          },
          (r) => `${r.changedDocs} docs changed (after a pre-restore snapshot)`,
        )
      ).result,
    );
    results.push(
      (
        await measure(
          'restore whole workspace',
          async () => {
            const res = await owner.client.post<RestoreResponse>(
              `${base}/${first.value.id}/restore`,
              { scope: 'workspace' },
            );
            if (res.status !== 200) throw new Error(`restore: ${res.status}`);
            return res.body;
          },
          (r) => `${r.changedDocs} docs changed (after a pre-restore snapshot)`,
        )
      ).result,
    );

    // A whole-workspace export (issue 16) while people work: every document read, rendered
    // and zipped in the background; sync must not wait behind it.
    results.push(
      (
        await measure(
          'export whole workspace (zip)',
          async () => {
            const res = await owner.client.post<ExportResponse>(
              `/api/workspaces/${owner.slug}/exports`,
            );
            if (res.status !== 202) throw new Error(`export: ${res.status}`);
            await t.server.exports.service.idle();
            const done = await owner.client.get<ExportResponse>(
              `/api/workspaces/${owner.slug}/exports/${res.body.export.id}`,
            );
            if (done.body.export.state !== 'ready')
              throw new Error(`export: ${done.body.export.state}`);
            return done.body.export;
          },
          (e) =>
            `${e.progress.total - 1} docs, zip ${((e.bytes ?? 0) / 1024 / 1024).toFixed(1)} MiB (documents, JSON, CSV)`,
        )
      ).result,
    );

    // Nobody has the workspace open: the index doc is not loaded, and a restore must not
    // load (decode) it on the event loop just to change one entry.
    const indexId = `${ws}:index`;
    providers.shift()!.destroy();
    const idleBy = performance.now() + 60_000;
    while (t.server.sync.rooms.get(indexId) && performance.now() < idleBy) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (t.server.sync.rooms.get(indexId)) throw new Error('the index doc never unloaded');
    results.push(
      (
        await measure(
          'restore one ticket, workspace not open',
          async () => {
            // t7 changed between the snapshots and is back as in the first: restoring the
            // second changes its index entry and its own doc again.
            const res = await owner.client.post<RestoreResponse>(
              `${base}/${second.value.id}/restore`,
              { scope: 'ticket', ticketId: 't7' },
            );
            if (res.status !== 200) throw new Error(`restore: ${res.status}`);
            if (t.server.sync.rooms.get(indexId)) throw new Error('the restore loaded the index');
            return res.body;
          },
          (r) => `${r.changedDocs} docs changed, index doc left unloaded`,
        )
      ).result,
    );

    const lines = [
      `### snapshot: a ${TICKETS.toLocaleString('en')}-ticket workspace snapshotted, diffed, restored and exported (event-loop lag while it runs; target p99 < 50 ms)`,
      '',
      '| operation | time | lag p50 | lag p99 | lag max | sync p50 | sync p99 | |',
      '|---|---:|---:|---:|---:|---:|---:|---|',
      ...results.map(
        (r) =>
          `| ${r.phase} | ${r.ms} ms | ${r.lagP50} ms | ${r.lagP99} ms | ${r.lagMax} ms | ${msCell(r.syncP50)} | ${msCell(r.syncP99)} | ${r.note} |`,
      ),
      '',
      'lag: event-loop delay of the server process; sync: round trip of a small edit between',
      'two y-websocket clients of the same workspace while the operation runs.',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (values.json) {
      const json: SnapshotLagJson = { tickets: TICKETS, results };
      fs.writeFileSync(values.json, JSON.stringify(json, null, 2));
    }
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      fs.writeFileSync(values.profile!, JSON.stringify(profile));
      session.disconnect();
    }
    for (const provider of providers) provider.destroy();
  } finally {
    await t.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
