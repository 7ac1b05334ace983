import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer } from '../../../sync-server/scripts/buildServer.ts';
import { startServerProcess, type ServerProcess } from '../../support/serverProcess.ts';
import { makeTempDir } from '../../support/tempDir.ts';
import { MuxClient } from '../load/MuxClient.ts';
import { YWebsocketClient } from '../load/YWebsocketClient.ts';
import { trackChild } from './childRegistry.ts';
import { lagProbe, memoryProbe, probeMemory, stopProcess } from './peerProcess.ts';
import { processCpuMs } from './processCpu.ts';
import { seedOurs, type BenchIdentity } from './seedOurs.ts';
import type { OursWire, RunningTarget, Target } from './Target.ts';

export interface OursOptions {
  /**
   * Runs on the fresh data folder after the bench user is seeded and before the server
   * starts: to store large documents straight into SQLite with the server's own store.
   */
  readonly prepare?: (dataDir: string, identity: BenchIdentity) => void;
  /** More environment for the server (e.g. limits). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface RunningOurs extends RunningTarget {
  readonly identity: BenchIdentity;
  readonly dataDir: string;
  /** `ws://host:port`, changes across restarts. */
  wsBase(): string;
}

const syncServerDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../sync-server',
);
/**
 * Where the bench builds the compiled server: inside the package (the bundle resolves its
 * native dependencies from sync-server/node_modules) but not `dist/`, which `pnpm start` and
 * the built-server test delete and rebuild, possibly while a bench runs. One folder per bench
 * process, removed when it exits: a second bench started meanwhile (another checkout's
 * sources, or edited ones) must not replace the bundle the first one's servers start from.
 */
const benchBuildDir = path.join(syncServerDir, 'node_modules', `.desk-bench-dist-${process.pid}`);
let built: Promise<void> | null = null;

/**
 * How our server process is started: as `pnpm start` runs it — the compiled bundle under
 * plain node (`--enable-source-maps main.js`), built once per bench run from the current
 * sources — or, with BENCH_OURS_RUN=tsx, `node --import tsx sync-server/src/main.ts`.
 */
export async function oursServerArgs(): Promise<readonly string[] | undefined> {
  if (process.env.BENCH_OURS_RUN === 'tsx') return undefined;
  if (!built) {
    built = buildServer(benchBuildDir);
    process.once('exit', () => fs.rmSync(benchBuildDir, { recursive: true, force: true }));
  }
  await built;
  return ['--enable-source-maps', path.join(benchBuildDir, 'main.js')];
}

/**
 * Our sync server, as shipped: its own process (`pnpm start`'s compiled server), SQLite
 * persistence in a temp DATA_DIR, and authentication on (a personal access token in the
 * query string, checked on every upgrade). The scenarios use the multiplexed `/sync`
 * endpoint, one doc per socket like the peers, unless they prefer the y-websocket-compatible
 * `/yjs/:docId`; BENCH_OURS_WIRE=yjs|sync overrides both.
 */
/** The operator's override of the plans' update rates the bench runs our server with. */
export const BENCH_UPDATE_RATES = {
  UPDATE_RATE_PER_CONNECTION: '1000000',
  UPDATE_RATE_PER_WORKSPACE: '1000000',
} as const;

export const oursTarget: Target = {
  name: 'ours',
  start: () => startOurs(),
};

export async function startOurs(options: OursOptions = {}): Promise<RunningOurs> {
  const temp = makeTempDir('desk-bench-');
  const identity = seedOurs(temp.dir);
  options.prepare?.(temp.dir, identity);
  const env = {
    DATA_DIR: temp.dir,
    // BENCH_OURS_NODE_OPTIONS adds flags, e.g. `--import <abs path>/cpuProfile.mjs` (a CPU
    // profile: Node refuses `--cpu-prof` here).
    NODE_OPTIONS: `--import ${memoryProbe} ${process.env.BENCH_OURS_NODE_OPTIONS ?? ''}`.trim(),
    NODE_ENV: 'production',
    // Unset: the server's default, NORMAL (BENCHMARKS.md, "Machine").
    ...(process.env.BENCH_OURS_SQLITE_SYNCHRONOUS
      ? { SQLITE_SYNCHRONOUS: process.env.BENCH_OURS_SQLITE_SYNCHRONOUS }
      : {}),
    // The update-rate limiter (SPEC LIMIT-9) runs, with its limits far above the bench's
    // load: the trial's 100/s per connection and 300/s per workspace would refuse the flood
    // and the 1,000 updates/s of 200 docs × 5 in one workspace, and then the bench measures
    // refusals. BENCH_OURS_PLAN_RATES=1 keeps the plan's limits.
    ...(process.env.BENCH_OURS_PLAN_RATES === '1' ? {} : BENCH_UPDATE_RATES),
    ...options.env,
  };
  const args = await oursServerArgs();
  const startServer = async () => {
    const started = await startServerProcess(env, args);
    trackChild(started.child);
    return started;
  };
  let server: ServerProcess = await startServer();
  const wsBase = () => `ws://127.0.0.1:${server.port}`;
  const query = `token=${encodeURIComponent(identity.token)}`;
  const forcedWire = process.env.BENCH_OURS_WIRE;
  const stop = () => stopProcess(server.child, server.exited);
  const scopeBases = new Map<string, number>();
  return {
    name: 'ours',
    identity,
    dataDir: temp.dir,
    wsBase,
    // Ticket ids are numbers, as the product's are: each scope gets its own million.
    docId: (scope, n) => {
      let base = scopeBases.get(scope);
      if (base === undefined) scopeBases.set(scope, (base = scopeBases.size * 1_000_000));
      return `${identity.workspaceId}:ticket:${base + n}`;
    },
    open: (docId, clientOptions, wire: OursWire = 'sync') =>
      (forcedWire === 'yjs' || forcedWire === 'sync' ? forcedWire : wire) === 'yjs'
        ? new YWebsocketClient(`${wsBase()}/yjs/${docId}?${query}`, docId, clientOptions, true)
        : new MuxClient(`${wsBase()}/sync?${query}`, [docId], clientOptions),
    cpuMs: () => processCpuMs(server.child.pid),
    memory: () => probeMemory(server.child, server.logs),
    lag: {
      start: () => lagProbe(server.child, server.logs).start(),
      stop: () => lagProbe(server.child, server.logs).stop(),
    },
    get pid() {
      return server.child.pid;
    },
    async stop() {
      await stop();
      temp.remove();
    },
    async restart(whileStopped) {
      await stop();
      whileStopped?.();
      server = await startServer();
    },
    mux: {
      workspaceId: identity.workspaceId,
      open: (clientOptions) => new MuxClient(`${wsBase()}/sync?${query}`, [], clientOptions),
    },
  };
}
