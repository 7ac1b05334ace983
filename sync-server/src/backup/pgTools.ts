import { spawn } from 'node:child_process';

/** The PostgreSQL client programs a cluster backup and restore run. */
export type PgTool = 'pg_dump' | 'pg_restore';

/** Why a PostgreSQL tool did not do its job: a closed set, logged as `code`. */
export const PgToolFailure = {
  /** The program is not at the configured path (PG_DUMP_PATH / PG_RESTORE_PATH). */
  missing: 'pg_tool_missing',
  /** It ran and exited non-zero (or was killed): its stderr says why. */
  failed: 'pg_tool_failed',
  /** This process stopped it: the job lost its cluster lease, or the server stops. */
  aborted: 'pg_tool_aborted',
} as const;
export type PgToolFailureCode = (typeof PgToolFailure)[keyof typeof PgToolFailure];

/** A pg_dump or pg_restore that did not succeed; never a silent success. */
export class PgToolError extends Error {
  constructor(
    readonly code: PgToolFailureCode,
    readonly tool: PgTool,
    readonly detail: string,
    readonly exitCode: number | null = null,
  ) {
    super(`${tool} ${describe(code)}: ${detail}`);
    this.name = 'PgToolError';
  }
}

function describe(code: PgToolFailureCode): string {
  switch (code) {
    case PgToolFailure.missing:
      return 'is missing';
    case PgToolFailure.failed:
      return 'failed';
    case PgToolFailure.aborted:
      return 'was stopped';
    default: {
      const unknown: never = code;
      return String(unknown);
    }
  }
}

/**
 * How a PostgreSQL program reaches the database named by a `postgres://` URL without the
 * password ever appearing in its argv (visible to every user in `ps`) or in our logs: the
 * URL minus its password goes in `--dbname` (libpq reads host, port, user, database and
 * query parameters such as sslmode from it), the password in PGPASSWORD.
 */
export interface PgConnection {
  /** The connection string without a password: safe to log and to pass as an argument. */
  readonly dbname: string;
  readonly env: Readonly<Record<string, string>>;
  /** The password, to scrub from anything a tool prints (empty when the URL has none). */
  readonly secret: string;
}

export function pgConnection(url: string): PgConnection {
  const parsed = new URL(url);
  const secret = decodeURIComponent(parsed.password);
  parsed.password = '';
  // Without a password in the URL, PGPASSWORD or ~/.pgpass from the environment still apply.
  return { dbname: parsed.toString(), env: secret ? { PGPASSWORD: secret } : {}, secret };
}

export interface PgToolRun {
  tool: PgTool;
  /** The configured program (a path, or a name looked up on PATH). */
  path: string;
  args: readonly string[];
  connection: PgConnection;
  /** Stops the program (SIGTERM) — the job's lease was lost, or the server stops. */
  signal?: AbortSignal;
}

/** The most of a tool's stderr kept in an error: enough for its message, not a flood. */
const STDERR_KEPT = 4000;

/** Runs a PostgreSQL tool to completion; resolves with its stdout, rejects with `PgToolError`. */
export function runPgTool(run: PgToolRun): Promise<string> {
  const { tool, connection } = run;
  return new Promise((resolve, reject) => {
    const child = spawn(run.path, run.args, {
      env: { ...process.env, PGAPPNAME: `desk-${tool}`, ...connection.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(run.signal ? { signal: run.signal } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < STDERR_KEPT) stderr += chunk;
    });
    let settled = false;
    const fail = (error: PgToolError) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.name === 'AbortError') {
        fail(new PgToolError(PgToolFailure.aborted, tool, 'stopped by this process'));
      } else if (err.code === 'ENOENT' || err.code === 'EACCES') {
        fail(
          new PgToolError(
            PgToolFailure.missing,
            tool,
            `cannot run ${run.path} (${err.code}); install the PostgreSQL client programs ` +
              `(the server's major version or newer), or set ${tool === 'pg_dump' ? 'PG_DUMP_PATH' : 'PG_RESTORE_PATH'}`,
          ),
        );
      } else {
        fail(new PgToolError(PgToolFailure.failed, tool, scrub(err.message, connection)));
      }
    });
    child.on('close', (exitCode, signal) => {
      if (settled) return;
      if (exitCode === 0) {
        settled = true;
        resolve(stdout);
        return;
      }
      const why = scrub(stderr.trim(), connection) || `exited with ${signal ?? exitCode}`;
      fail(new PgToolError(PgToolFailure.failed, tool, why.slice(0, STDERR_KEPT), exitCode));
    });
  });
}

/** libpq does not print passwords, but a message must never carry one even if it did. */
function scrub(text: string, connection: PgConnection): string {
  return connection.secret ? text.split(connection.secret).join('***') : text;
}
