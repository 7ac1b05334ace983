import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);
/** Resolved here so the worker loads the very same native module the server uses. */
const betterSqlite3Path = require.resolve('better-sqlite3');

/**
 * The worker body, plain CommonJS so it runs the same under tsx, vitest and plain node.
 * It opens the file read-only and answers with SQLite's own verdict.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  const rows = db.pragma('integrity_check');
  const problems = rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
  const hasSchema = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'").get() !== undefined;
  parentPort.postMessage({ ok: problems.length === 0 && hasSchema, problems: hasSchema ? problems : ['not a database of this server (no schema_migrations table)'] });
} catch (err) {
  parentPort.postMessage({ ok: false, problems: [String(err && err.message || err)] });
} finally {
  if (db) db.close();
}
`;

export interface IntegrityResult {
  ok: boolean;
  /** SQLite's messages when not ok (first ones only; the pragma stops at 100). */
  problems: string[];
}

/**
 * `PRAGMA integrity_check` on a database file, in a worker thread: on a large file it
 * reads every page, which must not stall the server's event loop while sync goes on.
 */
export function checkIntegrity(file: string): Promise<IntegrityResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: { file, driver: betterSqlite3Path },
    });
    let answered = false;
    worker.once('message', (result: IntegrityResult) => {
      answered = true;
      resolve(result);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`integrity check worker exited with code ${code}`));
    });
  });
}
