import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * The built SvelteKit app, served on the same port as the API: web/build beside the
 * sync-server package. Found from the package root, not from this file, because this file
 * runs from src/config/ (tsx) and bundled into dist/main.js (`pnpm start`).
 */
const defaultWebDir = path.resolve(packageRoot(fileURLToPath(import.meta.url)), '../web/build');

/** The nearest folder above `file` holding a package.json. */
function packageRoot(file: string): string {
  let dir = path.dirname(file);
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${file}`);
    dir = parent;
  }
  return dir;
}

const url = (protocols: readonly string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

const positiveInt = z.coerce.number().int().positive();

/**
 * Every setting the server reads, from the environment, validated once at start-up.
 * The README's configuration table mirrors this schema; keep them in step.
 */
export const configSchema = z.object({
  /** TCP port for HTTP, the API and the WebSockets. 0 picks a free port (tests). */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Folder for the SQLite database, blobs and backups; created on first start. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** The address users open. Origin checks (CSRF, WebSocket hijacking) compare against it. */
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  /**
   * `sqlite:<path>` (default: DATA_DIR/desk.sqlite), or `postgres://…`: the server then runs
   * as one process of a cluster (with REDIS_URL), its documents and control plane in
   * PostgreSQL (SCALE-OUT.md).
   */
  DATABASE_URL: url(['sqlite:', 'postgres:', 'postgresql:']).optional(),
  /**
   * SQLite's fsync policy. NORMAL (WAL): durable against process crashes, fast. FULL: also
   * fsync on every commit (power-loss durability), at several ms per write batch.
   */
  SQLITE_SYNCHRONOUS: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
  /**
   * Replaces every plan's document size limit on this server, in bytes (an operator's
   * override; issue 13's bench writes a 100 MB document with it). Unset: each workspace's
   * plan decides (`billing/plans.ts`); the plans themselves never change.
   */
  DOC_SIZE_LIMIT_BYTES: positiveInt.optional(),
  /**
   * Replace every plan's update-rate limits (SPEC LIMIT-9) on this server, in updates per
   * second per sync connection and per workspace; each bucket holds ten seconds' worth. An
   * operator's override (issue 13's bench sets both above its load, so the limiter runs but
   * does not refuse). Unset: each workspace's plan decides; the plans never change.
   */
  UPDATE_RATE_PER_CONNECTION: positiveInt.optional(),
  UPDATE_RATE_PER_WORKSPACE: positiveInt.optional(),
  /**
   * Redis for fan-out, leases and rate limits between the processes of a cluster; set
   * together with a PostgreSQL DATABASE_URL. Unset: one process, in-process fan-out.
   */
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  /** Prepended to every Redis key and channel of this cluster (two clusters on one Redis). */
  REDIS_PREFIX: z.string().min(1).default('desk:'),
  /** SMTP server for outgoing mail; unset means mail goes to the outbox and mailbox page. */
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  /** Sender address of outgoing mail. */
  MAIL_FROM: z.string().min(3).default('Service Desk <no-reply@localhost>'),
  /** When set, workspaces are also served at `<slug>.<BASE_DOMAIN>`. */
  BASE_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+(:\d+)?$/, 'expected a host name such as desk.example.com')
    .optional(),
  /** Shared secret of the billing provider's signed webhooks; unset disables the endpoint. */
  BILLING_WEBHOOK_SECRET: z.string().min(16, 'expected at least 16 characters').optional(),
  /** Folder of the built web app. */
  WEB_DIR: z.string().min(1).default(defaultWebDir),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Minutes between automatic workspace snapshots (only workspaces that changed); 0 turns them off. */
  SNAPSHOT_INTERVAL_MINUTES: z.coerce.number().int().min(0).default(60),
  /**
   * Tombstone reclaim (issue 15 #4, SPEC IDX-GEN): an index generation at least this large
   * (bytes) is rewritten into a new generation when that reclaims a quarter of it. 0 turns
   * rewriting off; late edits to an older generation are replayed either way. Below 1 MiB
   * the whole index fits in one request anyway, and a rewrite costs every device one
   * download of the new generation. @default 1048576 (1 MiB)
   */
  INDEX_REWRITE_MIN_BYTES: z.coerce.number().int().min(0).default(1_048_576),
  /**
   * The offline-replica limit: how long a device may stay offline and still bring its edits
   * of the ticket list back. A replaced index generation (SPEC IDX-GEN-6) is dropped this
   * many days after its switch, once its late edits are in the newer one; a device older
   * than that opens the newest generation, and its offline edits to the dropped one are not
   * taken. @default 90
   */
  OFFLINE_REPLICA_LIMIT_DAYS: positiveInt.default(90),
  /** Hours between automatic whole-database backups into DATA_DIR/backups; 0 turns them off. */
  BACKUP_INTERVAL_HOURS: z.coerce.number().int().min(0).default(24),
  /** Database backups kept in DATA_DIR/backups (older ones are deleted after a good backup). */
  BACKUP_KEEP: positiveInt.default(7),
  /**
   * On a cluster (PostgreSQL), the backup is a `pg_dump -Fc` of DATABASE_URL: the program
   * run, a path or a name looked up on PATH. Its major version must be the server's or
   * newer. A missing program fails each backup with `pg_tool_missing` in the log.
   * @default pg_dump
   */
  PG_DUMP_PATH: z.string().min(1).default('pg_dump'),
  /** The program `pnpm restore` runs to load a cluster backup (as PG_DUMP_PATH). @default pg_restore */
  PG_RESTORE_PATH: z.string().min(1).default('pg_restore'),
  /**
   * Hours a finished workspace export can be downloaded by its requester; then its file is
   * deleted (issue 16). @default 168 (7 days)
   */
  EXPORT_TTL_HOURS: positiveInt.default(168),
  /** How long a graceful shutdown waits for pending writes before giving up, in ms. */
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
  /**
   * When set, attachments and finished export zips are stored in this S3 bucket (zips under
   * `<prefix>exports/`) instead of DATA_DIR/blobs and DATA_DIR/exports/zips — or, on a
   * cluster, instead of its PostgreSQL (blobStorageFor).
   */
  BLOB_S3_BUCKET: z.string().min(3).optional(),
  /** An S3-compatible server (MinIO, R2, …; path-style URLs); unset means AWS S3 itself. */
  BLOB_S3_ENDPOINT: url(['http:', 'https:']).optional(),
  BLOB_S3_REGION: z.string().min(1).default('us-east-1'),
  /** Prepended to every object key, e.g. `desk/`. */
  BLOB_S3_PREFIX: z.string().default(''),
  /** Unset: the AWS SDK's usual chain (AWS_ACCESS_KEY_ID…, instance roles). */
  BLOB_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  BLOB_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
});

export type RawConfig = z.infer<typeof configSchema>;

export interface Config extends Omit<RawConfig, 'PUBLIC_URL' | 'DATABASE_URL'> {
  PUBLIC_URL: string;
  /**
   * The SQLite file: the database when DATABASE_URL is SQLite; in a cluster process
   * (PostgreSQL), DATA_DIR/desk.sqlite, the process's own store of what is not cluster-wide
   * yet (SCALE-OUT.md) — each process needs a DATA_DIR of its own.
   */
  sqlitePath: string | null;
  /** The PostgreSQL URL when the server runs as a cluster process, else null. */
  postgresUrl: string | null;
  DATABASE_URL: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly { variable: string; expected: string }[]) {
    super(
      'Invalid configuration:\n' +
        problems.map((p) => `  ${p.variable}: ${p.expected}`).join('\n') +
        '\nSee the configuration table in README.md.',
    );
    this.name = 'ConfigError';
  }
}

/**
 * A cluster process needs both its shared database and Redis: PostgreSQL without Redis would
 * let processes miss each other's updates and access changes, Redis with SQLite would split
 * a cluster's workspaces over files.
 */
function clusterProblems(raw: RawConfig): { variable: string; expected: string }[] {
  const postgres = raw.DATABASE_URL !== undefined && !raw.DATABASE_URL.startsWith('sqlite:');
  if (postgres && !raw.REDIS_URL) {
    return [
      {
        variable: 'REDIS_URL',
        expected:
          'a redis:// URL: with a PostgreSQL DATABASE_URL the server runs as a cluster process',
      },
    ];
  }
  if (!postgres && raw.REDIS_URL) {
    return [
      {
        variable: 'DATABASE_URL',
        expected: 'a postgres:// URL: REDIS_URL joins a cluster, whose processes share PostgreSQL',
      },
    ];
  }
  return [];
}

/** Parse the environment; throws ConfigError naming each bad variable and what it expects. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings mean "unset": shells and .env files produce them for blank values.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(environment)'),
        expected: issue.message,
      })),
    );
  }
  const raw = parsed.data;
  const cluster = clusterProblems(raw);
  if (cluster.length) throw new ConfigError(cluster);
  const dataDir = path.resolve(raw.DATA_DIR);
  const databaseUrl = raw.DATABASE_URL ?? `sqlite:${path.join(dataDir, 'desk.sqlite')}`;
  const onSqlite = databaseUrl.startsWith('sqlite:');
  const sqlitePath = onSqlite
    ? path.resolve(dataDir, databaseUrl.slice('sqlite:'.length))
    : path.join(dataDir, 'desk.sqlite');
  return {
    ...raw,
    DATA_DIR: dataDir,
    PUBLIC_URL: (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/$/, ''),
    DATABASE_URL: databaseUrl,
    sqlitePath,
    postgresUrl: onSqlite ? null : databaseUrl,
  };
}
