import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const serverEntry = path.join(repoRoot, 'sync-server/src/main.ts');

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Every log line the process printed (JSON lines parsed where possible). */
  readonly logs: unknown[];
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the real server as a child process (`node --import tsx`, or `nodeArgs` such as the
 * compiled `--enable-source-maps sync-server/dist/main.js`), on a free port, with the given
 * environment, and resolves once it logs "server listening". Used by tests that need a real
 * process: SIGTERM, kill -9, restarts.
 */
export function startServerProcess(
  env: Record<string, string>,
  nodeArgs: readonly string[] = ['--import', 'tsx', serverEntry],
): Promise<ServerProcess> {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: unknown[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      let entry: unknown = line;
      try {
        entry = JSON.parse(line);
      } catch {
        // plain text line; keep as is
      }
      logs.push(entry);
      const record = entry as { msg?: string; port?: number };
      if (record.msg === 'server listening' && typeof record.port === 'number') {
        const port = record.port;
        resolve({ child, port, url: `http://127.0.0.1:${port}`, logs, exited });
      }
    });
    void exited.then(({ code, signal }) =>
      reject(
        new Error(`server exited before listening (code ${code}, signal ${signal}): ${stderr}`),
      ),
    );
  });
}
