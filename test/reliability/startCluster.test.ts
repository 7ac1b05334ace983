import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { until } from '@desk/protocol/testing';
import {
  createTestDatabase,
  describeWithPostgresAndRedis,
  testKeyPrefix,
  testRedisUrl,
  type TestDatabase,
} from '../../sync-server/src/testing/scaleOutParts.ts';
import { serverEntry } from '../support/serverProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';

// `pnpm start:cluster` itself (sync-server/scripts/startCluster.ts): the proxy and two real
// server processes, run from the sources under tsx rather than the bundle (CLUSTER_NODE_ARGS)
// so the test needs no build. What it shows: the proxy sends users only to ready processes,
// so a process killed with kill -9 costs no request a 502, and it takes users again once it
// was started again and answers /readyz.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(repoRoot, 'sync-server/scripts/startCluster.ts');
/** Deadline of every wait (two processes starting on a shared 2-core machine): never a speed. */
const DEADLINE_MS = 90_000;

/** A port P such that P, P+1 and P+2 are free now: the proxy's and its two processes'. */
async function freePortRun(count: number): Promise<number> {
  const listen = (port: number) =>
    new Promise<net.Server | null>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(null));
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  for (;;) {
    const first = await listen(0);
    const base = (first!.address() as net.AddressInfo).port;
    const rest = [];
    for (let i = 1; i < count; i++) rest.push(await listen(base + i));
    for (const server of [first, ...rest]) server?.close();
    if (rest.every((server) => server !== null)) return base;
  }
}

await describeWithPostgresAndRedis('pnpm start:cluster', { ownServer: false }, () => {
  let database: TestDatabase | null = null;
  let cluster: ChildProcess | null = null;
  const pids: number[] = [];
  const temp = makeTempDir('desk-start-cluster-');

  afterEach(async () => {
    if (cluster && cluster.exitCode === null && cluster.signalCode === null) {
      const exited = new Promise((resolve) => cluster!.once('exit', resolve));
      // SIGTERM: the script stops its processes and exits once they have.
      cluster.kill('SIGTERM');
      await exited;
    }
    cluster = null;
    // Whatever a failed test left running of the processes the script started.
    for (const pid of pids.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone: the script stopped it
      }
    }
    await database?.drop();
    database = null;
    temp.remove();
  });

  it('sends requests only to ready processes: one killed with kill -9 costs no request, and takes users again once restarted', async () => {
    database = await createTestDatabase();
    const port = await freePortRun(3);
    const proxy = `http://127.0.0.1:${port}`;
    cluster = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: database.url,
        REDIS_URL: testRedisUrl!,
        REDIS_PREFIX: testKeyPrefix(),
        PORT: String(port),
        DATA_DIR: temp.dir,
        PUBLIC_URL: 'http://desk.test',
        LOG_LEVEL: 'warn',
        CLUSTER_PROCESSES: '2',
        CLUSTER_NODE_ARGS: `--import tsx ${serverEntry}`,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // What the script says of its processes: "node-1 started (pid …)", "node-1 ready", …
    const said: string[] = [];
    readline.createInterface({ input: cluster.stderr! }).on('line', (line) => {
      said.push(line);
      const started = /^node-\d+ started \(pid (\d+)\)/.exec(line);
      if (started) pids.push(Number(started[1]));
    });
    const count = (line: string) => said.filter((l) => l === line).length;
    const pidOf = (name: string) =>
      Number(/\(pid (\d+)\)/.exec(said.filter((l) => l.startsWith(`${name} started`)).at(-1)!)![1]);

    await until(
      () => count('node-1 ready') === 1 && count('node-2 ready') === 1,
      'both processes ready',
      DEADLINE_MS,
    );
    /** `n` requests through the proxy, one after another: their statuses. */
    const statuses = async (n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await fetch(`${proxy}/healthz`)).status);
      return out;
    };
    expect(await statuses(4)).toEqual([200, 200, 200, 200]);

    process.kill(pidOf('node-1'), 'SIGKILL');
    // At once, before any probe could notice: the proxy resends what node-1 refused.
    expect(await statuses(10)).toEqual(Array<number>(10).fill(200));
    await until(() => count('node-1 ready') === 2, 'node-1 restarted and ready', DEADLINE_MS);

    // node-1 takes users again: with node-2 killed too, every request is still answered.
    process.kill(pidOf('node-2'), 'SIGKILL');
    expect(await statuses(10)).toEqual(Array<number>(10).fill(200));
    expect(said).toContain('node-1 exited (SIGKILL)');

    // SIGTERM stops the proxy and every process — node-2's restart, due a second after its
    // death, included.
    const exited = new Promise((resolve) => cluster!.once('exit', resolve));
    cluster.kill('SIGTERM');
    await exited;
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await until(() => !pids.some(alive), 'every process the script started gone', DEADLINE_MS);
  });
});
