import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);
/** Resolved here so the worker loads the very same native module the server uses. */
const betterSqlite3Path = require.resolve('better-sqlite3');

/**
 * The worker body, plain CommonJS so it runs the same under tsx, vitest and plain node.
 * A read-only connection of its own: in WAL mode the server goes on writing meanwhile.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.from, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  db.prepare('VACUUM INTO ?').run(workerData.to);
  parentPort.postMessage({ ok: true });
} catch (err) {
  parentPort.postMessage({ ok: false, message: String((err && err.message) || err) });
} finally {
  if (db) db.close();
}
`;

/**
 * Writes a compacted copy of the database file `from` to `to` (`VACUUM INTO`), in a worker
 * thread: the copy holds the live rows only. A page-by-page copy (the backup API) also
 * copies free pages and the slack inside pages, where rows deleted in normal operation
 * (a document's update log once compacted, an edited search row) leave their bytes until
 * SQLite reuses the space — so a purged workspace's older content would live on in every
 * backup made after its purge (issue 16, terms §4). A consistent snapshot of the database
 * as of its start; the server's writer is never blocked by it.
 */
export function compactedCopy(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: { from, to, driver: betterSqlite3Path },
    });
    let answered = false;
    worker.once('message', (result: { ok: boolean; message?: string }) => {
      answered = true;
      if (result.ok) resolve();
      else reject(new Error(`could not copy the database: ${result.message ?? 'unknown error'}`));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`database copy worker exited with code ${code}`));
    });
  });
}
