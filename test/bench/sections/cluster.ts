import { performance } from 'node:perf_hooks';
import {
  createTestDatabase,
  testKeyPrefix,
} from '../../../sync-server/src/testing/scaleOutParts.ts';
import {
  signUpOwner,
  startClusterProcess,
  type ClusterProcess,
} from '../../support/cluster/clusterProcess.ts';
import { startServerProcess } from '../../support/serverProcess.ts';
import { makeTempDir } from '../../support/tempDir.ts';
import { closeAll, connectAll } from '../load/connectAll.ts';
import { LatencyRecorder } from '../load/LatencyRecorder.ts';
import { MuxClient } from '../load/MuxClient.ts';
import { summarize } from '../load/stats.ts';
import { WRITER_LABELS, WritingDoc } from '../load/WritingDoc.ts';
import type { BenchOptions } from '../options.ts';
import { formatNumber } from '../report/format.ts';
import { markdownTable } from '../report/renderTable.ts';
import { holdsWithin } from '@desk/protocol/testing';
import { seededRandom, sleep } from '../scenarios/Scenario.ts';
import { BENCH_UPDATE_RATES, oursServerArgs } from '../targets/ours.ts';
import { trackChild } from '../targets/childRegistry.ts';
import { seedOurs } from '../targets/seedOurs.ts';
import type { Section, SectionResult } from './Section.ts';

/** One configuration measured: where the documents are stored, and how many processes. */
interface Setup {
  readonly key: string;
  readonly label: string;
  readonly store: 'sqlite' | 'postgres';
  readonly processes: number;
}

const SETUPS: readonly Setup[] = [
  { key: 'sqlite-1', label: 'SQLite, 1 process', store: 'sqlite', processes: 1 },
  { key: 'postgres-1', label: 'PostgreSQL + Redis, 1 process', store: 'postgres', processes: 1 },
  { key: 'postgres-2', label: 'PostgreSQL + Redis, 2 processes', store: 'postgres', processes: 2 },
  { key: 'postgres-4', label: 'PostgreSQL + Redis, 4 processes', store: 'postgres', processes: 4 },
];

/** The running processes of one setup: their addresses, a token, and how to stop them. */
interface RunningSetup {
  readonly urls: readonly string[];
  readonly workspaceId: string;
  readonly token: string;
  readonly stop: () => Promise<void>;
}

interface Row {
  readonly setup: Setup;
  readonly updatesPerSec: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly lostPct: number;
}

/**
 * cluster (issue 19): the same load on our server as one SQLite process, and as one, two and
 * four cluster processes on PostgreSQL and Redis (each its own OS process, as `pnpm
 * start:cluster` runs them; compiled as `pnpm start` runs it, or tsx with
 * BENCH_OURS_RUN=tsx). `cluster-clients` /sync clients write `cluster-rate` updates/s each
 * (the first of `--writers`: growing text by default) into `cluster-docs` ticket docs; client i writes doc i mod docs on process ⌊i / docs⌋ mod
 * N, so every doc has writers on every process and most of a doc's fan-out crosses Redis.
 * Measured over `measure-ms` after `warmup-ms`: updates stored per second (acks received)
 * and fan-out latency from a write to each other client of its doc (one clock: every
 * client lives in this process). Needs TEST_POSTGRES_URL and TEST_REDIS_URL (a database
 * and a key prefix of its own per setup); without them the section says so and measures
 * the SQLite setup alone.
 *
 * Values: `updatesPerSec.<setup>`, `latencyP50.<setup>`, `latencyP99.<setup>`,
 * `lostPct.<setup>` for setups sqlite-1, postgres-1, postgres-2, postgres-4.
 */
export const clusterSection: Section = {
  name: 'cluster',
  async run(o: BenchOptions): Promise<SectionResult> {
    const postgresUrl = process.env.TEST_POSTGRES_URL?.trim();
    const redisUrl = process.env.TEST_REDIS_URL?.trim();
    const setups = SETUPS.filter((s) => s.store === 'sqlite' || (postgresUrl && redisUrl));
    const rows: Row[] = [];
    for (const setup of setups) {
      process.stderr.write(`[bench]   ${setup.label} …\n`);
      const running =
        setup.store === 'sqlite' ? await startSqlite() : await startPostgres(setup, redisUrl!);
      try {
        rows.push(await measure(setup, running, o));
      } finally {
        await running.stop();
      }
    }
    const values: Record<string, number> = {};
    for (const row of rows) {
      values[`updatesPerSec.${row.setup.key}`] = row.updatesPerSec;
      values[`latencyP50.${row.setup.key}`] = row.p50;
      values[`latencyP99.${row.setup.key}`] = row.p99;
      values[`lostPct.${row.setup.key}`] = row.lostPct;
    }
    const n = o.n;
    const table = markdownTable(
      ['setup', 'updates stored/s', 'fan-out p50 ms', 'p99 ms', 'max ms', 'not delivered %'],
      rows.map((r) => [
        r.setup.label,
        formatNumber(r.updatesPerSec),
        formatNumber(r.p50),
        formatNumber(r.p99),
        formatNumber(r.max),
        formatNumber(r.lostPct),
      ]),
    );
    const skipped =
      setups.length < SETUPS.length
        ? '\n\nPostgreSQL setups not run: set TEST_POSTGRES_URL and TEST_REDIS_URL.'
        : '';
    const markdown =
      `### cluster (issue 19)\n\n${n['cluster-clients']} /sync clients, ` +
      `${n['cluster-rate']} updates/s each (${WRITER_LABELS[clusterWriter(o)]}), over ` +
      `${n['cluster-docs']} docs, spread across ` +
      `the processes; measured ${n['measure-ms']} ms after ${n['warmup-ms']} ms.\n\n` +
      `${table}${skipped}`;
    return { markdown, values };
  },
};

const serverEnv = (): Record<string, string> => ({ ...BENCH_UPDATE_RATES });

/**
 * What the clients write: the first of `--writers` (text by default — typing that grows
 * each document, as a desk's tickets grow; `--writers=map` for the tiny documents of the
 * first cluster figures).
 */
const clusterWriter = (o: BenchOptions) => o.writers[0] ?? 'text';

async function startSqlite(): Promise<RunningSetup> {
  const temp = makeTempDir('desk-bench-cluster-');
  const identity = seedOurs(temp.dir);
  const server = await startServerProcess(
    { DATA_DIR: temp.dir, ...serverEnv() },
    await oursServerArgs(),
  );
  trackChild(server.child);
  return {
    urls: [server.url],
    workspaceId: identity.workspaceId,
    token: identity.token,
    stop: async () => {
      if (server.child.exitCode === null) server.child.kill('SIGTERM');
      await server.exited;
      temp.remove();
    },
  };
}

async function startPostgres(setup: Setup, redisUrl: string): Promise<RunningSetup> {
  const database = await createTestDatabase();
  const parts = { databaseUrl: database.url, redisUrl, redisPrefix: testKeyPrefix() };
  const processes: ClusterProcess[] = [];
  const stop = async () => {
    for (const p of processes) await p.stop();
    await database.drop();
  };
  try {
    const nodeArgs = await oursServerArgs();
    // One after the other: the first applies the migrations.
    for (let i = 0; i < setup.processes; i++) {
      const started = await startClusterProcess(`bench${i}`, parts, { nodeArgs, env: serverEnv() });
      trackChild(started.process.child);
      processes.push(started);
    }
    const owner = await signUpOwner(processes[0]!);
    return { urls: processes.map((p) => p.url), ...owner, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function measure(setup: Setup, running: RunningSetup, o: BenchOptions): Promise<Row> {
  const clientsCount = o.n['cluster-clients'];
  const docs = o.n['cluster-docs'];
  const rate = o.n['cluster-rate'];
  const recorder = new LatencyRecorder();
  const writers: WritingDoc[] = [];
  const docIds: string[] = [];
  const perDoc = new Map<string, number>();
  for (let i = 0; i < clientsCount; i++) {
    const docId = `${running.workspaceId}:ticket:${i % docs}`;
    docIds.push(docId);
    perDoc.set(docId, (perDoc.get(docId) ?? 0) + 1);
  }
  let measuringAcks = 0;
  const clients = await connectAll(clientsCount, o.n['connect-concurrency'], (i) => {
    const writer = new WritingDoc(i + 1, clusterWriter(o));
    writers[i] = writer;
    const docId = docIds[i]!;
    const base = running.urls[Math.floor(i / docs) % running.urls.length]!;
    const url = `${base.replace(/^http/, 'ws')}/sync?token=${encodeURIComponent(running.token)}`;
    return new MuxClient(url, [docId], {
      docs: new Map([[docId, writer.doc]]),
      applyRemote: false,
      onUpdate: (_doc, update, at) => recorder.received(writer.clientID, update, at),
      onAck: (_doc, count) => {
        if (recorder.measuring) measuringAcks += count;
      },
    });
  });

  const random = seededRandom(o.n.seed);
  const periodMs = 1000 / rate;
  const timers: NodeJS.Timeout[] = [];
  let writing = true;
  const write = (i: number) => {
    if (!writing) return;
    const { update, clock } = writers[i]!.write();
    const receivers = perDoc.get(docIds[i]!)! - 1;
    recorder.markSent(writers[i]!.clientID, clock, receivers, performance.now());
    clients[i]!.sendUpdate(docIds[i]!, update);
  };
  clients.forEach((_, i) => {
    timers.push(
      setTimeout(() => {
        write(i);
        timers.push(setInterval(() => write(i), periodMs));
      }, random() * periodMs),
    );
  });
  await sleep(o.n['warmup-ms']);
  recorder.measuring = true;
  await sleep(o.n['measure-ms']);
  recorder.measuring = false;
  writing = false;
  for (const t of timers) clearTimeout(t);
  await holdsWithin(() => recorder.deliveries >= recorder.expectedDeliveries, 10_000);
  const refused = clients.filter((c) => c.closedBy !== null).length;
  await closeAll(clients);
  if (refused > 0) throw new Error(`${setup.label}: the server closed ${refused} sockets`);

  const s = summarize(recorder.samples.values());
  return {
    setup,
    updatesPerSec: (measuringAcks / o.n['measure-ms']) * 1000,
    p50: s.p50,
    p99: s.p99,
    max: s.max,
    lostPct: recorder.expectedDeliveries
      ? (100 * (recorder.expectedDeliveries - recorder.deliveries)) / recorder.expectedDeliveries
      : NaN,
  };
}
