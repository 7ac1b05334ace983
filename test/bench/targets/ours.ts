import { startServerProcess, type ServerProcess } from '../../support/serverProcess.ts';
import { makeTempDir } from '../../support/tempDir.ts';
import { MuxClient } from '../load/MuxClient.ts';
import { YWebsocketClient } from '../load/YWebsocketClient.ts';
import { trackChild } from './childRegistry.ts';
import { memoryProbe, probeMemory, stopProcess } from './peerProcess.ts';
import { processCpuMs } from './processCpu.ts';
import { seedOurs } from './seedOurs.ts';
import type { RunningTarget, Target } from './Target.ts';

/**
 * Our sync server, as shipped: its own process (`sync-server/src/main.ts`), SQLite
 * persistence in a temp DATA_DIR, and authentication on (a personal access token in the
 * query string, checked on every upgrade). The scenarios use the multiplexed `/sync`
 * endpoint, one doc per socket like the peers; BENCH_OURS_WIRE=yjs switches them to the
 * y-websocket-compatible `/yjs/:docId`.
 */
export const oursTarget: Target = {
  name: 'ours',
  async start() {
    const temp = makeTempDir('desk-bench-');
    const identity = seedOurs(temp.dir);
    const env = {
      DATA_DIR: temp.dir,
      // BENCH_OURS_NODE_OPTIONS adds flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
      NODE_OPTIONS: `--import ${memoryProbe} ${process.env.BENCH_OURS_NODE_OPTIONS ?? ''}`.trim(),
      NODE_ENV: 'production',
    };
    const startServer = async () => {
      const started = await startServerProcess(env);
      trackChild(started.child);
      return started;
    };
    let server: ServerProcess = await startServer();
    const wsBase = () => `ws://127.0.0.1:${server.port}`;
    const query = `token=${encodeURIComponent(identity.token)}`;
    const wire = process.env.BENCH_OURS_WIRE === 'yjs' ? 'yjs' : 'sync';
    const stop = () => stopProcess(server.child, server.exited);
    const scopeBases = new Map<string, number>();
    return {
      name: 'ours',
      dataDir: temp.dir,
      // Ticket ids are numbers, as the product's are: each scope gets its own million.
      docId: (scope, n) => {
        let base = scopeBases.get(scope);
        if (base === undefined) scopeBases.set(scope, (base = scopeBases.size * 1_000_000));
        return `${identity.workspaceId}:ticket:${base + n}`;
      },
      open: (docId, options) =>
        wire === 'yjs'
          ? new YWebsocketClient(`${wsBase()}/yjs/${docId}?${query}`, docId, options, true)
          : new MuxClient(`${wsBase()}/sync?${query}`, [docId], options),
      cpuMs: () => processCpuMs(server.child.pid),
      memory: () => probeMemory(server.child, server.logs),
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
        open: (options) => new MuxClient(`${wsBase()}/sync?${query}`, [], options),
      },
    } satisfies RunningTarget;
  },
};
