import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import { BACKUP_PREFIX, backupFileName, manifestPath } from './backupFiles.ts';
import { pgConnection, PgToolError, PgToolFailure, runPgTool } from './pgTools.ts';

/** What is known about one cluster backup (a pg_dump); stored beside it as `<file>.json`. */
export interface ClusterBackupManifest {
  kind: 'postgres';
  /** File name of the dump, in the backups folder: `desk-<time>.pgdump`. */
  file: string;
  createdAt: number;
  bytes: number;
  /** SHA-256 of the dump, hex: a restore refuses a file that no longer matches it. */
  sha256: string;
  /** pg_dump's custom format (`-Fc`): compressed, read by pg_restore only. */
  format: 'pg_dump-custom';
  /** `pg_dump --version`: pg_restore must be this major version or newer. */
  pgDumpVersion: string;
  /** The PostgreSQL schema version (pgMigrations) when dumped. */
  schemaVersion: number;
  storeGeneration: string;
  /**
   * Where attachments were: `in-dump` (PgBlobStore, no BLOB_S3_BUCKET), or `s3` — then
   * they are not in this file, and the bucket needs its own backup (versioning).
   */
  attachments: 'in-dump' | 's3';
}

export interface ClusterBackupOptions {
  /** DATABASE_URL: the cluster's database. Its password never reaches argv or a log. */
  postgresUrl: string;
  /** The same database, for the facts the manifest records. */
  sql: SqlDatabase;
  backupsDir: string;
  now: number;
  /** Backups kept after this one succeeds. */
  keep: number;
  /** PG_DUMP_PATH. */
  pgDumpPath: string;
  attachmentsInS3: boolean;
  /** Aborted when the job's lease is lost: pg_dump is stopped and nothing is kept. */
  signal?: AbortSignal;
}

/** The first bytes of every custom-format archive (pg_backup_archiver.c). */
const CUSTOM_FORMAT_MAGIC = 'PGDMP';

/**
 * A backup of the cluster's whole PostgreSQL database — documents, accounts, the control
 * plane and, without S3, attachments — as `pg_dump -Fc`, one consistent snapshot taken
 * while the cluster keeps writing. The dump is written under a `.partial` name and renamed
 * only when pg_dump exited 0 and the file is a custom-format archive, then the manifest is
 * written last: a backup without one is never listed, so a half-written dump is never taken
 * for a backup. A failed dump rejects with `PgToolError` and leaves the older backups as
 * they were.
 */
export async function createClusterBackup(
  options: ClusterBackupOptions,
): Promise<ClusterBackupManifest> {
  const { backupsDir, now, keep } = options;
  await fs.promises.mkdir(backupsDir, { recursive: true });
  const file = backupFileName(now, backupsDir, 'pgdump');
  const partial = path.join(backupsDir, `${file}.partial`);
  const connection = pgConnection(options.postgresUrl);
  const tool = { tool: 'pg_dump', path: options.pgDumpPath, connection } as const;
  try {
    const pgDumpVersion = (await runPgTool({ ...tool, args: ['--version'] })).trim();
    const facts = await readFacts(options.sql);
    await runPgTool({
      ...tool,
      // --no-password: never wait for a prompt nobody answers; the password is in the env.
      args: [
        '--format=custom',
        '--no-password',
        `--file=${partial}`,
        `--dbname=${connection.dbname}`,
      ],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    await expectArchive(partial);
    const sha256 = await fileSha256(partial);
    await fs.promises.rename(partial, path.join(backupsDir, file));

    const manifest: ClusterBackupManifest = {
      kind: 'postgres',
      file,
      createdAt: now,
      bytes: (await fs.promises.stat(path.join(backupsDir, file))).size,
      sha256,
      format: 'pg_dump-custom',
      pgDumpVersion,
      schemaVersion: facts.schemaVersion,
      storeGeneration: facts.storeGeneration,
      attachments: options.attachmentsInS3 ? 's3' : 'in-dump',
    };
    const target = manifestPath(backupsDir, file);
    await fs.promises.writeFile(`${target}.partial`, JSON.stringify(manifest, null, 2));
    await fs.promises.rename(`${target}.partial`, target);
    rotateClusterBackups(backupsDir, keep);
    return manifest;
  } finally {
    await fs.promises.rm(partial, { force: true });
  }
}

/** Complete cluster backups in the folder (those with a manifest and their dump), newest first. */
export function listClusterBackups(backupsDir: string): ClusterBackupManifest[] {
  let names: string[];
  try {
    names = fs.readdirSync(backupsDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const manifests: ClusterBackupManifest[] = [];
  for (const name of names) {
    if (!name.startsWith(BACKUP_PREFIX) || !name.endsWith('.pgdump.json')) continue;
    try {
      const manifest = JSON.parse(
        fs.readFileSync(path.join(backupsDir, name), 'utf8'),
      ) as ClusterBackupManifest;
      if (fs.existsSync(path.join(backupsDir, manifest.file))) manifests.push(manifest);
    } catch {
      // A manifest being written or damaged: not a usable backup.
    }
  }
  return manifests.sort((a, b) => b.createdAt - a.createdAt || (a.file < b.file ? 1 : -1));
}

/**
 * Keeps the `keep` newest cluster backups; deletes older ones and leftovers of interrupted
 * dumps (only one dump runs at a time, under the cluster's `backup` lease). SQLite backups
 * in the same folder are not touched. Returns the files deleted.
 */
export function rotateClusterBackups(backupsDir: string, keep: number): string[] {
  const all = listClusterBackups(backupsDir);
  const removed = all.slice(Math.max(keep, 1));
  for (const manifest of removed) {
    fs.rmSync(path.join(backupsDir, manifest.file), { force: true });
    fs.rmSync(manifestPath(backupsDir, manifest.file), { force: true });
  }
  for (const name of fs.readdirSync(backupsDir)) {
    if (name.startsWith(BACKUP_PREFIX) && /\.pgdump(\.json)?\.partial$/.test(name)) {
      fs.rmSync(path.join(backupsDir, name), { force: true });
    }
  }
  return removed.map((m) => m.file);
}

export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** pg_dump exited 0; still, count the file only if it is the archive it should be. */
async function expectArchive(file: string): Promise<void> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const head = Buffer.alloc(CUSTOM_FORMAT_MAGIC.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead < head.length || head.toString('latin1') !== CUSTOM_FORMAT_MAGIC) {
      throw new PgToolError(
        PgToolFailure.failed,
        'pg_dump',
        `${path.basename(file)} is not a custom-format archive`,
      );
    }
  } finally {
    await handle.close();
  }
}

async function readFacts(
  sql: SqlDatabase,
): Promise<{ schemaVersion: number; storeGeneration: string }> {
  const version = await sql.get<{ v: number | null }>(
    'SELECT MAX(version) AS v FROM schema_migrations',
  );
  const generation = await sql.get<{ value: string }>(
    "SELECT value FROM meta WHERE key = 'store_generation'",
  );
  return { schemaVersion: version?.v ?? 0, storeGeneration: generation?.value ?? '' };
}
