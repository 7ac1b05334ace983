import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { trackChild } from './childRegistry.ts';
import type { MemorySample } from './Target.ts';

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
 * Starts a peer server entry (`peers/*.ts`) in its own Node process with the memory probe
 * preloaded; resolves once it prints `{"msg":"peer listening","port":N}`.
 */
export function startPeerProcess(entry: string): Promise<PeerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', memoryProbe, path.join(here, 'peers', entry)],
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
  const seen = logs.length;
  child.kill('SIGUSR2');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    for (let i = seen; i < logs.length; i++) {
      const record = logs[i] as Partial<MemorySample> & { msg?: string };
      if (record.msg === 'bench memory') {
        return {
          rss: record.rss ?? NaN,
          heapUsed: record.heapUsed ?? NaN,
          external: record.external ?? NaN,
        };
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the server process did not answer the memory probe');
}

/** SIGTERM, then SIGKILL if it has not exited within 5 s. */
export async function stopProcess(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
