import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { trackChild } from './childRegistry.ts';
import type { LagProbe, MemorySample } from './Target.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
export const memoryProbe = path.join(here, 'memoryProbe.mjs');

export interface PeerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly logs: unknown[];
  readonly exited: Promise<unknown>;
}

/**
 * Starts a peer server entry (`peers/*.mjs`, plain JavaScript run by plain `node`, no
 * TypeScript loader in the process) in its own Node process with the memory probe
 * preloaded; resolves once it prints `{"msg":"peer listening","port":N}`.
 */
export function startPeerProcess(entry: string): Promise<PeerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', memoryProbe, path.join(here, 'peers', entry)],
    {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  trackChild(child);
  const logs: unknown[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = parseLine(line);
      logs.push(entry);
      const record = entry as { msg?: string; port?: number };
      if (record.msg === 'peer listening' && typeof record.port === 'number') {
        resolve({ child, port: record.port, logs, exited });
      }
    });
    void exited.then(() => reject(new Error(`${entry} exited before listening: ${stderr}`)));
  });
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return line;
  }
}

/** Asks a process running the memory probe for its memory (SIGUSR2 → one JSON line). */
export async function probeMemory(
  child: ChildProcess,
  logs: readonly unknown[],
): Promise<MemorySample> {
  const record = await probe(child, logs, 'SIGUSR2', 'bench memory');
  return {
    rss: record.rss ?? NaN,
    heapUsed: record.heapUsed ?? NaN,
    external: record.external ?? NaN,
  };
}

/**
 * The event-loop delay of a process running the probe, measured inside it: `start()` opens
 * a window, `stop()` closes it and returns its percentiles (SIGWINCH each, see
 * memoryProbe.mjs). One window at a time.
 */
export function lagProbe(child: ChildProcess, logs: readonly unknown[]): LagProbe {
  return {
    start: async () => {
      await probe(child, logs, 'SIGWINCH', 'bench lag started');
    },
    stop: async () => {
      const r = await probe(child, logs, 'SIGWINCH', 'bench lag');
      return { p50: r.p50 ?? NaN, p99: r.p99 ?? NaN, max: r.max ?? NaN };
    },
  };
}

/** Sends `signal` and waits for the first log line with `msg` printed after it. */
async function probe(
  child: ChildProcess,
  logs: readonly unknown[],
  signal: NodeJS.Signals,
  msg: string,
): Promise<Partial<Record<string, number>>> {
  const seen = logs.length;
  child.kill(signal);
  // A server busy on its event loop answers late: that is what the lag probe measures.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    for (let i = seen; i < logs.length; i++) {
      const record = logs[i] as Partial<Record<string, number>> & { msg?: string };
      if (record.msg === msg) return record;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the server process did not answer the ${signal} probe ("${msg}")`);
}

/** SIGTERM, then SIGKILL if it has not exited within 5 s. */
export async function stopProcess(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
