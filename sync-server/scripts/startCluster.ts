/**
 * `pnpm start:cluster`: several server processes on this machine, on one PostgreSQL database
 * and one Redis (issue 19, SCALE-OUT.md), behind one port. The balancer is `http-proxy`
 * (WebSockets included), not one of our own: each HTTP request and each WebSocket upgrade
 * goes to the next process in turn. No stickiness is needed — any process serves any
 * request and any document (the database and Redis are what they share).
 *
 * Environment: DATABASE_URL (postgres://…) and REDIS_URL, required; CLUSTER_PROCESSES
 * (default 2); PORT, the proxy's (default 3000), the processes listening on PORT+1…PORT+N on
 * 127.0.0.1; DATA_DIR (default ./data/cluster), each process using DATA_DIR/node-<i> for its
 * own SQLite file (attachments and export zips are in PostgreSQL, or in BLOB_S3_BUCKET if set);
 * PUBLIC_URL (default http://localhost:PORT), the proxy's address, which every process
 * checks Origins against. Everything else is passed on to the processes as it is.
 * Run after `pnpm build && pnpm build:server` (the root script does both).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import httpProxy from 'http-proxy';

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

function start(node: Node, i: number): void {
  const child = spawn(process.execPath, ['--enable-source-maps', mainJs], {
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
  child.on('exit', (code, signal) => {
    node.child = null;
    if (stopping) return;
    // A process that died is started again; its users reconnect to the others meanwhile.
    // A configuration error (78) would only fail again: the cluster stops instead.
    process.stderr.write(`${node.name} exited (${signal ?? code})\n`);
    if (code === 78) stop('SIGTERM');
    else setTimeout(() => start(node, i), 1000);
  });
}
nodes.forEach(start);

let next = 0;
/** Round robin over the processes: the next one for each request and each upgrade. */
const pick = (): Node => nodes[next++ % nodes.length]!;

// xfwd: the processes see the client's address in X-Forwarded-For.
const proxy = httpProxy.createProxyServer({ xfwd: true });
proxy.on('error', (err, _req, res) => {
  // A process restarting: this request fails, the client retries (sockets reconnect).
  if (res instanceof http.ServerResponse && !res.headersSent) {
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'bad_gateway', message: err.message } }));
  } else {
    res.destroy();
  }
});
const server = http.createServer((req, res) => proxy.web(req, res, { target: pick().target }));
server.on('upgrade', (req, socket, head) => proxy.ws(req, socket, head, { target: pick().target }));
server.listen(port, () => {
  process.stdout.write(
    `cluster of ${count} on ${publicUrl} (proxy on :${port}, processes on :${port + 1}–:${port + count})\n`,
  );
});

function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  server.close();
  proxy.close();
  // Each process shuts down gracefully (sockets closed with 1012, writes flushed).
  for (const node of nodes) node.child?.kill(signal);
}
process.on('SIGINT', () => stop('SIGTERM'));
process.on('SIGTERM', () => stop('SIGTERM'));
