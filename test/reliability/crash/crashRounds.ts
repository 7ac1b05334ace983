import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { seededRandom, until, type SeededRandom } from '@desk/protocol/testing';
import { freePort } from '../../support/freePort.ts';
import { startServerProcess, type ServerProcess } from '../../support/serverProcess.ts';
import { seedWorkspace } from '../../support/sync/seedWorkspace.ts';
import { openStockProvider } from '../../support/sync/stockProvider.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';
import { makeTempDir } from '../../support/tempDir.ts';

export interface CrashOptions {
  seed: number;
  rounds: number;
  /** Clients on /sync (TestSyncClient); as many again on /yjs (stock WebsocketProvider). */
  clientsPerEndpoint: number;
  docs: number;
  /** The kill comes at a random moment in [min, max] ms after the writes start. */
  killAfterMs: [number, number];
  /** Each client writes one entry, then waits a random [0, max] ms. */
  maxWriteGapMs: number;
  /** Deadline for every wait (restart, reconnect, convergence). */
  deadlineMs: number;
  log?: (line: string) => void;
}

export interface RoundReport {
  round: number;
  killAfterMs: number;
  /** Entries written this round (one Yjs update each). */
  written: number;
  /** /sync updates the server acknowledged before it died. */
  acked: number;
  /** /yjs updates another client had received from the server before it died. */
  confirmed: number;
  /** Acknowledged or confirmed updates missing after the restart (must be 0). */
  lost: number;
  /** Entries, over every round so far, missing from the converged state (must be 0). */
  missingAfterConvergence: number;
  convergeMs: number;
}

const PUBLIC_URL = 'http://desk.test';

interface Replica {
  name: string;
  docId: string;
  doc: Y.Doc;
  /** Everything this replica wrote, in order. */
  written: string[];
}

interface SyncReplica extends Replica {
  client: TestSyncClient | null;
  /** `sent` of the client when this round's writes began (everything before is acked). */
  base: number;
}

interface YjsReplica extends Replica {
  provider: WebsocketProvider;
}

/**
 * kill -9 under write load, `rounds` times: clients on both endpoints write entries into
 * Y.Arrays flat out; the server process is killed at a random moment. A server started on
 * another port (no old client can reach it) must hold every update acknowledged on /sync
 * and every /yjs update another client had received (persist before broadcast). Then the
 * server comes back on the old port, every client reconnects (the stock provider by
 * itself), and every replica and the server must converge on everything anyone wrote.
 */
export async function runCrashRounds(options: CrashOptions): Promise<RoundReport[]> {
  const log = options.log ?? (() => {});
  const random = seededRandom(options.seed);
  const temp = makeTempDir('desk-crash-');
  const seed = seedWorkspace(temp.dir);
  const port = await freePort();
  const docIds = Array.from(
    { length: options.docs },
    (_, i) => `${seed.workspaceId}:ticket:crash${i}`,
  );
  const start = (atPort: number) =>
    startServerProcess({ DATA_DIR: temp.dir, PUBLIC_URL, PORT: String(atPort) });
  let server: ServerProcess | null = await start(port);
  const syncReplicas: SyncReplica[] = [];
  const yjsReplicas: YjsReplica[] = [];
  const reports: RoundReport[] = [];

  const connectSync = async (replica: SyncReplica, url: string) => {
    replica.client?.unsubscribe(replica.docId);
    const client = await TestSyncClient.connect(url, { token: seed.token });
    replica.client = client;
    client.subscribe(replica.docId, replica.doc);
    await client.synced(replica.docId);
  };

  // The stock provider adds one process 'exit' listener each (removed by `destroy`): this
  // run holds `clientsPerEndpoint` of them at once on purpose, past Node's warning at 11
  // (MaxListenersExceededWarning). Allow exactly those for the run, not any leak besides.
  process.setMaxListeners(process.getMaxListeners() + options.clientsPerEndpoint);
  try {
    for (let i = 0; i < options.clientsPerEndpoint; i++) {
      const replica: SyncReplica = {
        name: `s${i}`,
        docId: docIds[i % docIds.length]!,
        doc: new Y.Doc(),
        written: [],
        client: null,
        base: 0,
      };
      syncReplicas.push(replica);
      await connectSync(replica, server.url);
      const doc = new Y.Doc();
      const docId = docIds[i % docIds.length]!;
      const provider = openStockProvider(`http://127.0.0.1:${port}`, docId, seed.token, doc, {
        maxBackoffTime: 500,
      });
      yjsReplicas.push({ name: `y${i}`, docId, doc, written: [], provider });
    }
    const all: Replica[] = [...syncReplicas, ...yjsReplicas];

    for (let round = 1; round <= options.rounds; round++) {
      const live = server!;
      await until(
        () => yjsReplicas.every((r) => r.provider.synced),
        'every provider synced',
        options.deadlineMs,
      );
      for (const replica of syncReplicas) {
        await replica.client!.allAcked(replica.docId);
        replica.base = replica.client!.docs.get(replica.docId)!.sent;
      }
      const writtenBefore = all.map((r) => r.written.length);

      // Write flat out until the kill.
      let writing = true;
      const writers = all.map((replica) =>
        writeLoop(replica, random, options.maxWriteGapMs, () => writing),
      );
      const [min, max] = options.killAfterMs;
      const killAfterMs = min + random.int(max - min + 1);
      await sleep(killAfterMs);
      live.child.kill('SIGKILL');
      await live.exited;
      writing = false;
      await Promise.all(writers);

      // What the dead server had promised.
      const promised = new Set<string>();
      let acked = 0;
      for (const replica of syncReplicas) {
        const state = replica.client!.docs.get(replica.docId)!;
        const count = state.acked - replica.base;
        const mine = replica.written.slice(writtenBefore[all.indexOf(replica)], undefined);
        for (const entry of mine.slice(0, count)) promised.add(entry);
        acked += Math.min(count, mine.length);
      }
      let confirmed = 0;
      const seenByOthers = new Set<string>();
      for (const replica of all) {
        for (const entry of replica.doc.getArray<string>('a').toArray()) {
          if (!entry.startsWith(`${replica.name}:`)) seenByOthers.add(entry);
        }
      }
      for (const replica of yjsReplicas) {
        const mine = replica.written.slice(writtenBefore[all.indexOf(replica)]);
        for (const entry of mine) {
          if (seenByOthers.has(entry)) {
            promised.add(entry);
            confirmed++;
          }
        }
      }

      // Restart where no old client can reach it, and read what survived.
      server = null;
      const check = await start(await freePort());
      const survived = new Set<string>();
      const reader = await TestSyncClient.connect(check.url, { token: seed.token });
      for (const docId of docIds) {
        const doc = reader.subscribe(docId);
        await reader.synced(docId);
        for (const entry of doc.getArray<string>('a').toArray()) survived.add(entry);
      }
      reader.ws.terminate();
      check.child.kill('SIGTERM');
      await check.exited;
      const lost = [...promised].filter((entry) => !survived.has(entry));

      // Back on the old port: everyone reconnects and converges.
      const restartedAt = Date.now();
      server = await start(port);
      for (const replica of syncReplicas) await connectSync(replica, server.url);
      const reader2 = await TestSyncClient.connect(server.url, { token: seed.token });
      const serverDocs = docIds.map((docId) => reader2.subscribe(docId));
      await Promise.all(docIds.map((docId) => reader2.synced(docId)));
      const everything = new Set(all.flatMap((r) => r.written));
      await until(
        () =>
          docIds.every((docId, i) => {
            const reference = serverDocs[i]!.getArray<string>('a').toJSON();
            return all
              .filter((r) => r.docId === docId)
              .every((r) => sameArray(r.doc.getArray<string>('a').toJSON(), reference));
          }) && serverDocs.reduce((n, doc) => n + doc.getArray('a').length, 0) >= everything.size,
        `round ${round}: every replica converged (seed ${options.seed})`,
        options.deadlineMs,
      );
      const convergeMs = Date.now() - restartedAt;
      const final = new Set(serverDocs.flatMap((doc) => doc.getArray<string>('a').toArray()));
      reader2.ws.terminate();
      const report: RoundReport = {
        round,
        killAfterMs,
        written: all.reduce((n, r, i) => n + r.written.length - writtenBefore[i]!, 0),
        acked,
        confirmed,
        lost: lost.length,
        missingAfterConvergence: [...everything].filter((entry) => !final.has(entry)).length,
        convergeMs,
      };
      log(JSON.stringify(report));
      reports.push(report);
    }
    return reports;
  } finally {
    for (const replica of yjsReplicas) replica.provider.destroy();
    process.setMaxListeners(process.getMaxListeners() - options.clientsPerEndpoint);
    for (const replica of syncReplicas) replica.client?.ws.terminate();
    const last = server as ServerProcess | null;
    if (last && last.child.exitCode === null && last.child.signalCode === null) {
      last.child.kill('SIGKILL');
      await last.exited;
    }
    temp.remove();
  }
}

async function writeLoop(
  replica: Replica,
  random: SeededRandom,
  maxGapMs: number,
  writing: () => boolean,
): Promise<void> {
  // Each replica draws its gaps from its own generator, seeded from the shared one, so a
  // replay with the same seed writes in the same rhythm.
  const own = seededRandom(random.int(2 ** 31));
  let n = replica.written.length;
  while (writing()) {
    const entry = `${replica.name}:${n++}`;
    replica.doc.getArray<string>('a').push([entry]);
    replica.written.push(entry);
    await sleep(own.int(maxGapMs + 1));
  }
}

function sameArray(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
