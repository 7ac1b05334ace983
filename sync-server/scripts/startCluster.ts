/**
 * `pnpm start:cluster`: several server processes on this machine, on one PostgreSQL database
 * and one Redis (issue 19, SCALE-OUT.md), behind one port. The balancer is `http-proxy`
 * (WebSockets included), not one of our own: each HTTP request and each WebSocket upgrade
 * goes to the next *ready* process in turn (src/cluster/ReadyPool.ts asks each `/readyz`
 * every second; src/cluster/poolProxy.ts skips the others, resends a GET or HEAD a process
 * could not take to another, and answers 503 with Retry-After when none is ready). No
 * stickiness is needed — any process serves any request and any document (the database and
 * Redis are what they share).
 *
 * Environment: DATABASE_URL (postgres://…) and REDIS_URL, required; CLUSTER_PROCESSES
 * (default 2); PORT, the proxy's (default 3000), the processes listening on PORT+1…PORT+N on
 * 127.0.0.1; DATA_DIR (default ./data/cluster), each process using DATA_DIR/node-<i> for its
 * own SQLite file (attachments and export zips are in PostgreSQL, or in BLOB_S3_BUCKET if set);
 * PUBLIC_URL (default http://localhost:PORT), the proxy's address, which every process
 * checks Origins against; CLUSTER_NODE_ARGS, how node runs each process (default
 * `--enable-source-maps <sync-server/dist/main.js>`; the test of this script runs the sources
 * with `--import tsx <sync-server/src/main.ts>`). Everything else is passed on to the
 * processes as it is.
 * Run after `pnpm build && pnpm build:server` (the root script does both).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPoolProxy } from '../src/cluster/poolProxy.ts';
import { ReadyPool } from '../src/cluster/ReadyPool.ts';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mainJs = path.join(serverDir, 'dist/main.js');

const env = process.env;
if (!env.DATABASE_URL?.startsWith('postgres') || !env.REDIS_URL) {
  process.stderr.write(
    'pnpm start:cluster needs DATABASE_URL=postgres://… and REDIS_URL=redis://… (SCALE-OUT.md).\n',
  );
  process.exit(78);
}
const count = Number(env.CLUSTER_PROCESSES ?? 2);
const port = Number(env.PORT ?? 3000);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(port)) {
  process.stderr.write('CLUSTER_PROCESSES and PORT must be whole numbers.\n');
  process.exit(78);
}
const dataDir = path.resolve(env.DATA_DIR ?? './data/cluster');
const publicUrl = env.PUBLIC_URL ?? `http://localhost:${port}`;
const nodeArgs = env.CLUSTER_NODE_ARGS?.trim().split(/\s+/) ?? ['--enable-source-maps', mainJs];

interface Node {
  readonly name: string;
  readonly target: string;
  child: ChildProcess | null;
}

let stopping = false;
const nodes: Node[] = Array.from({ length: count }, (_, i) => ({
  name: `node-${i + 1}`,
  target: `http://127.0.0.1:${port + 1 + i}`,
  child: null,
}));

// A process restarting, or still migrating or reaching PostgreSQL, answers /readyz with 503
// or not at all: it gets no users until it answers 200 (a 502 from it is what this avoids).
const pool = new ReadyPool(
  nodes.map((node) => ({ name: node.name, url: node.target })),
  {
    onChange: (target, ready, why) =>
      process.stderr.write(`${target.name} ${ready ? 'ready' : `not ready (${why})`}\n`),
  },
);
pool.start();

function start(node: Node, i: number): void {
  const child = spawn(process.execPath, nodeArgs, {
    env: {
      ...env,
      PORT: String(port + 1 + i),
      HOST: '127.0.0.1',
      DATA_DIR: path.join(dataDir, node.name),
      PUBLIC_URL: publicUrl,
    },
    stdio: 'inherit',
  });
  node.child = child;
  process.stderr.write(`${node.name} started (pid ${child.pid}) on :${port + 1 + i}\n`);
  child.on('exit', (code, signal) => {
    node.child = null;
    // Out of the pool now, not at its next probe or the next request it would fail.
    pool.markDown(pool.targets[i]!, 'exited');
    if (stopping) return;
    // A process that died is started again; its users reconnect to the others meanwhile.
    // A configuration error (78) would only fail again: the cluster stops instead.
    process.stderr.write(`${node.name} exited (${signal ?? code})\n`);
    if (code === 78) stop('SIGTERM');
    // Asked again when the second is up: the cluster may have been told to stop meanwhile.
    else
      setTimeout(() => {
        if (!stopping) start(node, i);
      }, 1000);
  });
}
nodes.forEach(start);

const server = createPoolProxy(pool);
server.listen(port, () => {
  process.stdout.write(
    `cluster of ${count} on ${publicUrl} (proxy on :${port}, processes on :${port + 1}–:${port + count})\n`,
  );
});

function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  pool.stop();
  server.close();
  // Each process shuts down gracefully (sockets closed with 1012, writes flushed).
  for (const node of nodes) node.child?.kill(signal);
}
process.on('SIGINT', () => stop('SIGTERM'));
process.on('SIGTERM', () => stop('SIGTERM'));
