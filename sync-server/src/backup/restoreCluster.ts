import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AuditAction } from '@desk/protocol';
import type { SqlDatabase } from '../store/sql/SqlDatabase.ts';
import { manifestPath } from './backupFiles.ts';
import { fileSha256, listClusterBackups, type ClusterBackupManifest } from './ClusterBackup.ts';
import { pgConnection, runPgTool } from './pgTools.ts';
import { RestoreRefusedError } from './restoreDatabase.ts';

/** The audit entry the restored database gets (as the SQLite restore writes it). */
const RESTORED: AuditAction = 'database.restored';

export interface ClusterRestoreOptions {
  backupsDir: string;
  /** `latest`, a dump's file name in the backups folder, or a path to a `.pgdump`. */
  from: string;
  /** The database to restore into (DATABASE_URL): empty, unless `force`. */
  targetUrl: string;
  /** The same database, to check that it is empty and to stamp it after the restore. */
  target: SqlDatabase;
  /** PG_RESTORE_PATH. */
  pgRestorePath: string;
  /**
   * Restore into a database that already has tables: pg_restore `--clean --if-exists`
   * drops and recreates the dump's objects (objects the dump lacks are left as they are).
   */
  force: boolean;
  now: number;
}

export interface ClusterRestoreOutcome {
  restoredFrom: string;
  /** The manifest found beside the dump (checksum verified), or null for a bare file. */
  manifest: ClusterBackupManifest | null;
  /** The new store generation: clients see it and push back what the backup lacks. */
  storeGeneration: string;
  /** Tables the target had before (0 unless forced). */
  tablesBefore: number;
}

/**
 * Disaster restore of a cluster's database from a pg_dump (ClusterBackup.ts), with
 * pg_restore, into an empty PostgreSQL database that every process of the cluster is then
 * started on. Like the SQLite restore, the restored database gets a NEW store generation, so
 * every client that reconnects does a full state-vector exchange and pushes back its edits
 * the backup lacks.
 *
 * Refuses a dump whose checksum no longer matches its manifest, and a target that already
 * holds tables unless forced: a running cluster's database is never overwritten by mistake.
 * One transaction (`--single-transaction`): a failed restore leaves the target as it was.
 * Objects are owned by the restoring role and no GRANTs are replayed (`--no-owner
 * --no-privileges`): the new server's roles need not match the old one's.
 */
export async function restoreClusterDatabase(
  options: ClusterRestoreOptions,
): Promise<ClusterRestoreOutcome> {
  const { file, manifest } = resolveDump(options.backupsDir, options.from);
  if (manifest) {
    const sha256 = await fileSha256(file);
    if (sha256 !== manifest.sha256) {
      throw new RestoreRefusedError(
        `Refusing to restore ${file}: its checksum does not match its manifest (damaged or replaced).`,
      );
    }
  }
  const tablesBefore = await userTableCount(options.target);
  if (tablesBefore > 0 && !options.force) {
    throw new RestoreRefusedError(
      `Refusing to restore: the target database already has ${tablesBefore} tables. Restore ` +
        'into a new, empty database (CREATE DATABASE …), or pass --force to replace the ' +
        "dump's tables in this one — after stopping every process of the cluster.",
    );
  }

  const connection = pgConnection(options.targetUrl);
  await runPgTool({
    tool: 'pg_restore',
    path: options.pgRestorePath,
    connection,
    args: [
      '--no-password',
      '--no-owner',
      '--no-privileges',
      '--exit-on-error',
      '--single-transaction',
      ...(options.force ? ['--clean', '--if-exists'] : []),
      `--dbname=${connection.dbname}`,
      file,
    ],
  });

  const storeGeneration = randomUUID();
  await options.target.transaction(async () => {
    await options.target.run(
      `INSERT INTO meta (key, value) VALUES ('store_generation', ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [storeGeneration],
    );
    const audit = await options.target.get<{ name: string | null }>(
      "SELECT to_regclass('public.audit_log')::text AS name",
    );
    if (audit?.name) {
      await options.target.run(
        `INSERT INTO audit_log (at, actor_kind, actor_user_id, action, target_kind, target_id, details)
         VALUES (?, 'system', NULL, ?, 'database', ?, ?)`,
        [
          options.now,
          RESTORED,
          storeGeneration,
          JSON.stringify({ from: path.basename(file), tablesBefore }),
        ],
      );
    }
  });
  return { restoredFrom: file, manifest, storeGeneration, tablesBefore };
}

function resolveDump(
  backupsDir: string,
  from: string,
): { file: string; manifest: ClusterBackupManifest | null } {
  if (from === 'latest') {
    const latest = listClusterBackups(backupsDir)[0];
    if (!latest) throw new RestoreRefusedError(`There is no cluster backup in ${backupsDir}.`);
    return { file: path.join(backupsDir, latest.file), manifest: latest };
  }
  const inFolder = path.join(backupsDir, from);
  const file = !from.includes('/') && fs.existsSync(inFolder) ? inFolder : path.resolve(from);
  if (!fs.existsSync(file)) throw new RestoreRefusedError(`No backup file at ${file}.`);
  return { file, manifest: readManifest(file) };
}

function readManifest(file: string): ClusterBackupManifest | null {
  try {
    const manifest = JSON.parse(
      fs.readFileSync(manifestPath(path.dirname(file), path.basename(file)), 'utf8'),
    ) as ClusterBackupManifest;
    return manifest.kind === 'postgres' && manifest.file === path.basename(file) ? manifest : null;
  } catch {
    return null; // a dump copied without its manifest: restored unchecked, as pg_restore would
  }
}

/** Tables, sequences and views outside PostgreSQL's own schemas. */
async function userTableCount(target: SqlDatabase): Promise<number> {
  const row = await target.get<{ n: number }>(
    `SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'`,
  );
  return row?.n ?? 0;
}
