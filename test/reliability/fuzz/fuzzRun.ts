import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import {
  CloseCode,
  MessageType,
  PROTOCOL_VERSION,
  YMessageType,
  decodeServerMessage,
  encodeClientMessage,
} from '@desk/protocol';
import { seededRandom, until, type SeededRandom } from '@desk/protocol/testing';
import { STRONG_PASSWORD, TestClient } from '../../../sync-server/src/testing/authTestServer.ts';
import {
  serverBackendParts,
  testServerPostgresUrl,
} from '../../../sync-server/src/testing/testServerBackend.ts';
import { tokenFromOutboxSoon } from '../../support/outbox.ts';
import { startServerProcess, type ServerProcess } from '../../support/serverProcess.ts';
import { openStockProvider } from '../../support/sync/stockProvider.ts';
import { TestSyncClient } from '../../support/sync/TestSyncClient.ts';
import { makeTempDir } from '../../support/tempDir.ts';
import { FrameFuzzer, type FuzzFrame } from './FrameFuzzer.ts';

export interface FuzzOptions {
  seed: number;
  /** Frames to send in all (both endpoints). */
  frames: number;
  /** Sockets fuzzing at once. */
  concurrency: number;
  /** Most frames one fuzz socket sends before its probe. */
  maxBurst: number;
  /** Deadline for any one wait: a probe answer, an ack, a restart. */
  deadlineMs: number;
  log?: (line: string) => void;
  /** More environment for the server process (e.g. heapSnapshotEnv). */
  serverEnv?: Record<string, string>;
  /** Called after each tenth of the frames (1–10), the fuzzing paused meanwhile. */
  afterTenth?: (tenth: number, server: ServerProcess) => Promise<void>;
}

export interface FuzzReport {
  seed: number;
  frames: number;
  byKind: Record<string, number>;
  sockets: { sync: number; yjs: number };
  /** Sockets whose burst ended with a hostile frame. */
  hostile: number;
  /** How fuzz sockets ended: close code, or "open" when the probe was answered. */
  endings: Record<string, number>;
  /** Fuzz sockets with no hostile frame that the server closed (must be 0). */
  innocentClosed: number;
  /** Fuzz sockets that neither closed nor answered their probe in time (must be 0). */
  stalls: number;
  /** Writes of the well-behaved clients during the run, all acked / seen. */
  goodWrites: number;
  /** Longest wait of the well-behaved /sync client for an ack, in ms. */
  goodMaxAckMs: number;
  /** Well-behaved sockets the server closed (must be 0). */
  goodClosed: number;
  serverExited: boolean;
  /** Server RSS: after each tenth of the frames, the first as baseline; peak; at the end. */
  rssMiB: { baseline: number; peak: number; after: number; tenths: number[] };
  /** Documents in the store after the run, and how many loaded after a restart. */
  docsStored: number;
  docsLoaded: number;
  seconds: number;
}

const PUBLIC_URL = 'http://desk.test';

/**
 * One real server process; `concurrency` sockets at a time open /sync or /yjs, send a burst
 * of fuzzed frames, then a probe (a subscribe, or a sync step 1) that must be answered
 * unless the server closed the socket: nothing may stall. Meanwhile a well-behaved /sync
 * client and a stock provider keep writing and must keep syncing. Afterwards the server's
 * memory is compared with its baseline, and after a restart every stored document loads.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const random = seededRandom(options.seed);
  const temp = makeTempDir('desk-fuzz-');
  // TEST_SERVER_BACKEND=postgres: the server process on a database and a Redis prefix of its
  // own (testServerBackend.ts); nothing on SQLite.
  const backend = await serverBackendParts(temp.dir);
  const serverEnv = { DATA_DIR: temp.dir, PUBLIC_URL, ...backend.env, ...options.serverEnv };
  let server: ServerProcess | null = await startServerProcess(serverEnv).catch(
    async (error: unknown) => {
      await backend.release();
      temp.remove();
      throw error;
    },
  );
  const seeds = await Promise.all([
    signedUpWorkspace(server, temp.dir, 'fuzz'),
    // The well-behaved clients write in a workspace of their own: the fuzzer's valid updates
    // flood its workspace past the plan's update rate (LIMIT-9), which rightly slows
    // everyone in it; what must hold is that another tenant never notices.
    signedUpWorkspace(server, temp.dir, 'good'),
  ]).catch(async (error: unknown) => {
    server!.child.kill('SIGKILL');
    await server!.exited;
    await backend.release();
    temp.remove();
    throw error;
  });
  const [seed, goodSeed] = seeds;
  const ws = seed.workspaceId;
  const fuzzDocs = Array.from({ length: 8 }, (_, i) => `${ws}:ticket:fuzz${i}`);
  const fuzzer = new FrameFuzzer(random, ws, fuzzDocs);
  const report: FuzzReport = {
    seed: options.seed,
    frames: 0,
    byKind: {},
    sockets: { sync: 0, yjs: 0 },
    hostile: 0,
    endings: {},
    stalls: 0,
    innocentClosed: 0,
    goodWrites: 0,
    goodMaxAckMs: 0,
    goodClosed: 0,
    serverExited: false,
    rssMiB: { baseline: 0, peak: 0, after: 0, tenths: [] },
    docsStored: 0,
    docsLoaded: 0,
    seconds: 0,
  };
  const good = await Good.start(server, goodSeed, options.deadlineMs);
  try {
    const pid = server.child.pid!;
    const fuzzSocket = async (): Promise<void> => {
      const useYjs = random.int(10) < 3;
      const burst = 1 + random.int(options.maxBurst);
      const frames: FuzzFrame[] = [];
      const docId = random.pick(fuzzDocs);
      const subscribed = useYjs ? docId : random.int(10) < 7 ? docId : null;
      // Frames the server must survive with the socket open, then (usually) one that may
      // close it: a socket ends on its first offence, so one per socket reaches the server.
      const hostile = random.int(5) !== 0;
      for (let i = 0; i < burst + (hostile ? 1 : 0); i++) {
        const last = hostile && i === burst;
        frames.push(useYjs ? fuzzer.yjsFrame(docId, last) : fuzzer.syncFrame(subscribed, last));
      }
      if (process.env.RELIABILITY_FUZZ_TRACE)
        log(`socket ${useYjs ? 'yjs' : 'sync'} ${frames.map((f) => f.kind).join(',')}`);
      const ending = useYjs
        ? await fuzzYjs(server!, seed.token, docId, frames, options.deadlineMs)
        : await fuzzSync(server!, seed, subscribed, frames, random, options.deadlineMs);
      report.sockets[useYjs ? 'yjs' : 'sync']++;
      report.frames += frames.length;
      for (const frame of frames) report.byKind[frame.kind] = (report.byKind[frame.kind] ?? 0) + 1;
      if (hostile) report.hostile++;
      if (ending === 'stall') report.stalls++;
      // Only the offending socket is closed: one that sent nothing hostile stays open, unless
      // its workspace as a whole went over the plan's update rate (4529, LIMIT-9).
      const rateLimited = ending === String(CloseCode.rateLimited);
      if (!hostile && ending !== 'open' && !rateLimited) report.innocentClosed++;
      report.endings[ending] = (report.endings[ending] ?? 0) + 1;
      if (process.env.RELIABILITY_FUZZ_TRACE) log(`ended ${ending} after ${report.frames}`);
    };
    const fuzzUntil = async (frames: number) => {
      const worker = async () => {
        while (report.frames < frames) {
          await fuzzSocket();
          report.rssMiB.peak = Math.max(report.rssMiB.peak, rssMiB(pid));
        }
      };
      await Promise.all(Array.from({ length: options.concurrency }, worker));
    };

    // RSS after every tenth of the frames. The first tenth is the warm-up (lazy modules,
    // statement caches, the fuzz docs' rooms, the allocator's high-water mark): the
    // baseline. RSS does not shrink back (V8 and the allocator keep freed pages); what
    // shows a leak is growth that keeps pace with the traffic, so the second half of the
    // run is compared with the first.
    for (let tenth = 1; tenth <= 10; tenth++) {
      await fuzzUntil(Math.ceil((options.frames * tenth) / 10));
      report.rssMiB.tenths.push(rssMiB(pid));
      await options.afterTenth?.(tenth, server);
    }
    report.rssMiB.baseline = report.rssMiB.tenths[0]!;
    await good.stop();
    report.rssMiB.after = rssMiB(pid);
    report.serverExited = server.child.exitCode !== null || server.child.signalCode !== null;
    Object.assign(report, good.report());
    log(JSON.stringify({ phase: 'fuzzed', frames: report.frames, endings: report.endings }));

    // Restart: every stored document must load, and the good ones hold every write.
    server.child.kill('SIGTERM');
    await server.exited;
    server = null;
    const docIds = storedDocIds(temp.dir);
    report.docsStored = docIds.length;
    server = await startServerProcess(serverEnv);
    const fuzzReader = await TestSyncClient.connect(server.url, { token: seed.token });
    const goodReader = await TestSyncClient.connect(server.url, { token: goodSeed.token });
    for (const docId of docIds) {
      const reader = docId.startsWith(`${goodSeed.workspaceId}:`) ? goodReader : fuzzReader;
      const doc = reader.subscribe(docId);
      const answer = await Promise.race([
        reader.synced(docId).then(() => 'loaded'),
        reader
          .waitFor((m) => m.type === MessageType.docError && m.docId === docId)
          .then(() => 'refused'),
      ]);
      if (answer === 'loaded' && doc.store.pendingStructs === null) report.docsLoaded++;
      else log(`doc ${docId} did not load whole: ${answer}`);
      good.verify(docId, doc);
      reader.unsubscribe(docId);
    }
    fuzzReader.ws.terminate();
    goodReader.ws.terminate();
    report.seconds = Math.round((Date.now() - started) / 1000);
    return report;
  } finally {
    await good.stop();
    const last = server as ServerProcess | null;
    if (last && last.child.exitCode === null && last.child.signalCode === null) {
      last.child.kill('SIGKILL');
      await last.exited;
    }
    await backend.release();
    temp.remove();
  }
}

/** What the fuzzer and the good clients need of a workspace: its id and an access token. */
interface SeededWorkspace {
  readonly workspaceId: string;
  /** The owner's personal access token, scoped to the workspace (`?token=`). */
  readonly token: string;
}

/**
 * A workspace signed up through the running server, as a person signs up (the form, the
 * confirmation link from the mail, then an access token), so it is the same on both
 * backends: on PostgreSQL there is no SQLite file to write it into before the start.
 */
async function signedUpWorkspace(
  server: ServerProcess,
  dataDir: string,
  name: string,
): Promise<SeededWorkspace> {
  const client = new TestClient(server.url, PUBLIC_URL);
  const email = `${name}-owner@example.com`;
  const ok = async <T>(method: string, urlPath: string, body: unknown): Promise<T> => {
    const response = await client.request<T>(method, urlPath, { body });
    if (response.status < 200 || response.status > 299) {
      throw new Error(
        `${method} ${urlPath} → ${response.status}: ${JSON.stringify(response.body)}`,
      );
    }
    return response.body;
  };
  await ok('POST', '/api/auth/signup', {
    email,
    password: STRONG_PASSWORD,
    displayName: 'Owner',
    customer: { kind: 'organization', name: 'Fuzz test' },
    workspace: { name: `Fuzz test ${name}`, slug: `fuzz-${name}` },
    acceptTerms: true,
  });
  const confirmToken = await tokenFromOutboxSoon(dataDir, email, '/signup/confirm');
  const me = await ok<{ workspaces: { id: string }[] }>('POST', '/api/auth/signup/confirm', {
    token: confirmToken,
  });
  const workspaceId = me.workspaces[0]!.id;
  const { token } = await ok<{ token: string }>('POST', '/api/auth/tokens', {
    name: 'fuzz test',
    workspaceId,
    expiresInDays: 1,
  });
  return { workspaceId, token };
}

type Ending = string;

async function fuzzSync(
  server: ServerProcess,
  { token, workspaceId }: SeededWorkspace,
  subscribed: string | null,
  frames: FuzzFrame[],
  random: SeededRandom,
  deadlineMs: number,
): Promise<Ending> {
  // A raw socket, not TestSyncClient: whatever the server answers to garbage must not
  // throw in the fuzzer's own message handler.
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}/sync?token=${token}`);
  socket.on('error', () => {});
  const probe = `${workspaceId}:ticket:probe${random.int(1_000_000)}`;
  let welcomed: (() => void) | null = null;
  const welcome = new Promise<void>((resolve) => (welcomed = resolve));
  const ended = new Promise<Ending>((resolve) => {
    socket.on('close', (code, reason) => {
      if (process.env.RELIABILITY_FUZZ_TRACE) console.log('closed', code, reason.toString());
      resolve(String(code));
    });
    socket.on('message', (data: Buffer) => {
      if (data[0] === MessageType.welcome) welcomed?.();
      if (data[0] !== MessageType.subscribed && data[0] !== MessageType.docError) return;
      try {
        const message = decodeServerMessage(new Uint8Array(data));
        if ('docId' in message && message.docId === probe) resolve('open');
      } catch {
        // Not for the probe.
      }
    });
  });
  try {
    const opened = await withDeadline(
      Promise.race([
        new Promise<boolean>((resolve) => socket.once('open', () => resolve(true))),
        ended.then(() => false),
      ]),
      deadlineMs,
      false,
    );
    if (!opened) return withDeadline(ended, 1, 'stall');
    socket.send(
      encodeClientMessage({ type: MessageType.hello, protocolVersion: PROTOCOL_VERSION }),
    );
    const greeted = await withDeadline(
      Promise.race([welcome.then(() => true), ended.then(() => false)]),
      deadlineMs,
      false,
    );
    if (!greeted) return withDeadline(ended, 1, 'stall');
    if (subscribed) {
      socket.send(encodeClientMessage({ type: MessageType.subscribe, docId: subscribed }));
    }
    for (const frame of frames) socket.send(frame.bytes);
    // The probe: a fresh subscription must be answered, unless the socket was closed.
    socket.send(encodeClientMessage({ type: MessageType.subscribe, docId: probe }));
    return await withDeadline(ended, deadlineMs, 'stall');
  } finally {
    socket.terminate();
  }
}

async function fuzzYjs(
  server: ServerProcess,
  token: string,
  docId: string,
  frames: FuzzFrame[],
  deadlineMs: number,
): Promise<Ending> {
  const socket = new WebSocket(
    `${server.url.replace('http', 'ws')}/yjs/${encodeURIComponent(docId)}?token=${token}`,
  );
  socket.on('error', () => {});
  let closeCode: number | null = null;
  let probed = false;
  const ended = new Promise<Ending>((resolve) => {
    socket.on('close', (code, reason) => {
      if (process.env.RELIABILITY_FUZZ_TRACE) console.log('closed', code, reason.toString());
      closeCode = code;
      resolve(String(code));
    });
    socket.on('message', (data: Buffer) => {
      // The answer to the probe: a sync step 2.
      if (probed && data[0] === YMessageType.sync && data[1] === syncProtocol.messageYjsSyncStep2) {
        resolve('open');
      }
    });
  });
  try {
    const opened = await withDeadline(
      new Promise<boolean>((resolve) => {
        socket.once('open', () => resolve(true));
        socket.once('close', () => resolve(false));
      }),
      deadlineMs,
      false,
    );
    if (!opened) return closeCode === null ? 'stall' : String(closeCode);
    for (const frame of frames) socket.send(frame.bytes);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YMessageType.sync);
    syncProtocol.writeSyncStep1(encoder, new Y.Doc());
    probed = true;
    socket.send(encoding.toUint8Array(encoder));
    return await withDeadline(ended, deadlineMs, 'stall');
  } finally {
    socket.terminate();
  }
}

/** A /sync client and a stock /yjs provider writing throughout, and a /sync watcher. */
class Good {
  #writing = true;
  #loop: Promise<void> = Promise.resolve();
  #writes = 0;
  #maxAckMs = 0;
  #closed = 0;
  #stopped = false;

  private constructor(
    private readonly writer: TestSyncClient,
    private readonly watcher: TestSyncClient,
    private readonly provider: WebsocketProvider,
    private readonly docId: string,
    private readonly yjsDocId: string,
    private readonly deadlineMs: number,
  ) {}

  static async start(server: ServerProcess, seed: SeededWorkspace, deadlineMs: number) {
    const docId = `${seed.workspaceId}:ticket:good`;
    const yjsDocId = `${seed.workspaceId}:ticket:good-yjs`;
    const writer = await TestSyncClient.connect(server.url, { token: seed.token });
    const watcher = await TestSyncClient.connect(server.url, { token: seed.token });
    writer.subscribe(docId);
    watcher.subscribe(docId);
    watcher.subscribe(yjsDocId);
    await Promise.all([writer.synced(docId), watcher.synced(docId), watcher.synced(yjsDocId)]);
    const provider = openStockProvider(server.url, yjsDocId, seed.token);
    await until(() => provider.synced, 'the good provider synced', deadlineMs);
    const good = new Good(writer, watcher, provider, docId, yjsDocId, deadlineMs);
    // A close the server made (event null: our own destroy at the end).
    provider.on('connection-close', (event) => {
      if (event !== null) good.#closed++;
    });
    good.#loop = good.#write();
    return good;
  }

  async #write(): Promise<void> {
    const doc = this.writer.docs.get(this.docId)!.doc;
    while (this.#writing) {
      const n = this.#writes++;
      doc.getArray<number>('a').push([n]);
      this.provider.doc.getArray<number>('a').push([n]);
      const sent = Date.now();
      await withDeadline(this.writer.allAcked(this.docId), this.deadlineMs, null);
      this.#maxAckMs = Math.max(this.#maxAckMs, Date.now() - sent);
      if (this.writer.closeInfo) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#writing = false;
    await this.#loop;
    // Everything written reached the watcher through the server, on both endpoints.
    const expected = this.#writes;
    const seen = () =>
      this.watcher.docs.get(this.docId)!.doc.getArray('a').length === expected &&
      this.watcher.docs.get(this.yjsDocId)!.doc.getArray('a').length === expected;
    await until(
      () => seen() || this.watcher.closeInfo !== null,
      'the watcher saw every good write',
      this.deadlineMs,
    ).catch(() => undefined);
    if (!seen()) this.#closed++;
    if (this.writer.closeInfo) this.#closed++;
    if (this.watcher.closeInfo) this.#closed++;
    this.provider.destroy();
    this.writer.ws.terminate();
    this.watcher.ws.terminate();
  }

  report(): Pick<FuzzReport, 'goodWrites' | 'goodMaxAckMs' | 'goodClosed'> {
    return { goodWrites: this.#writes, goodMaxAckMs: this.#maxAckMs, goodClosed: this.#closed };
  }

  /** After the restart: the good docs hold every write. */
  verify(docId: string, doc: Y.Doc): void {
    if (docId !== this.docId && docId !== this.yjsDocId) return;
    if (doc.getArray('a').length !== this.#writes) this.#closed++;
  }
}

/** The ids of the documents the server on `dataDir` stored, from SQLite or PostgreSQL. */
function storedDocIds(dataDir: string): string[] {
  const query = 'SELECT doc_id FROM docs ORDER BY doc_id';
  const postgresUrl = testServerPostgresUrl(dataDir);
  if (postgresUrl) {
    const out = execFileSync('psql', [postgresUrl, '-X', '-A', '-t', '-q', '-c', query], {
      encoding: 'utf8',
    });
    return out.split('\n').filter(Boolean);
  }
  const db = new BetterSqlite3(path.join(dataDir, 'desk.sqlite'), { readonly: true });
  try {
    return (db.prepare(query).all() as { doc_id: string }[]).map((row) => row.doc_id);
  } finally {
    db.close();
  }
}

function rssMiB(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kib / 1024);
  } catch {
    return 0;
  }
}

function withDeadline<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<F>((resolve) => {
      timer = setTimeout(() => resolve(fallback), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
