import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config/config.ts';
import { openSqlite } from '../db/Database.ts';
import { PgPool } from '../store/postgres/PgPool.ts';
import { PgSqlDatabase } from '../store/sql/PgSqlDatabase.ts';
import { listBackups } from './backupFiles.ts';
import { createClusterBackup, listClusterBackups } from './ClusterBackup.ts';
import {
  hasServerSchema,
  readClusterBackupRecord,
  recordClusterBackup,
} from './clusterBackupSchedule.ts';
import { pgConnection, PgToolError, PgToolFailure } from './pgTools.ts';
import { restoreClusterDatabase } from './restoreCluster.ts';
import { createBackup } from './DatabaseBackup.ts';
import { backupPaths } from './installBackups.ts';
import { restoreDatabase, RestoreRefusedError } from './restoreDatabase.ts';

const usage = `Disaster backups of the whole database (not workspace snapshots: those are in the app).

Usage:
  pnpm backup                 Online backup of the database into DATA_DIR/backups, checked
                              with PRAGMA integrity_check; attachments (DATA_DIR/blobs) are
                              listed and mirrored into DATA_DIR/backups/blobs. Safe while the
                              server runs. Keeps the BACKUP_KEEP newest backups.
  pnpm backup list            The backups, newest first.
  pnpm restore <latest|FILE> --yes
                              Replaces the database with a backup. Refuses while a server
                              runs on DATA_DIR: stop it first. The current database is moved
                              aside (desk.sqlite.replaced-<time>), never deleted. The restored
                              database gets a new store generation, so every client that
                              reconnects pushes back the edits the backup does not have.

On a cluster (DATABASE_URL=postgres://…, REDIS_URL set):
  pnpm backup                 pg_dump -Fc of DATABASE_URL into DATA_DIR/backups
                              (desk-<time>.pgdump and its manifest, with a SHA-256). Safe
                              while the cluster runs. Keeps the BACKUP_KEEP newest dumps.
  pnpm backup list            The dumps in this DATA_DIR, and where the cluster's last
                              automatic dump is (each lands on the process that took it).
  pnpm restore <latest|FILE> --yes [--force]
                              pg_restore of a dump into DATABASE_URL, which must be an
                              empty database (create one first); --force restores into a
                              database that has tables, replacing the dump's tables. Stop
                              every process of the cluster first; start them on the
                              restored database afterwards.

DATA_DIR, DATABASE_URL, REDIS_URL, PORT, PG_DUMP_PATH and PG_RESTORE_PATH come from the
environment, as for the server.`;

async function main(argv: string[]): Promise<number> {
  // pnpm runs this inside sync-server/; resolve DATA_DIR=./data from where the user typed.
  if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      yes: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || (command !== 'backup' && command !== 'restore')) {
    process.stdout.write(`${usage}\n`);
    return command === undefined || values.help || command === 'help' ? 0 : 64;
  }
  const config = loadConfig(process.env);
  if (config.postgresUrl) {
    return clusterCommand(config, config.postgresUrl, command, positionals, values);
  }
  if (!config.sqlitePath) {
    process.stderr.write('No SQLite database in the configuration.\n');
    return 64;
  }
  const { backupsDir, blobsDir } = backupPaths(config.DATA_DIR);

  if (command === 'backup') {
    if (positionals[0] === 'list') {
      const backups = listBackups(backupsDir);
      if (backups.length === 0) process.stdout.write(`No backups in ${backupsDir}.\n`);
      for (const b of backups) {
        process.stdout.write(
          `${b.file}  ${new Date(b.createdAt).toISOString()}  ${formatBytes(b.bytes)}  ` +
            `schema v${b.schemaVersion}  ${b.blobs.count} blobs (${formatBytes(b.blobs.bytes)})\n`,
        );
      }
      return 0;
    }
    if (!fs.existsSync(config.sqlitePath)) {
      process.stderr.write(`No database at ${config.sqlitePath}.\n`);
      return 66;
    }
    const db = openSqlite(config.sqlitePath);
    try {
      const manifest = await createBackup({
        db,
        backupsDir,
        blobsDir,
        now: Date.now(),
        keep: config.BACKUP_KEEP,
      });
      process.stdout.write(
        `Backup written: ${backupsDir}/${manifest.file} (${formatBytes(manifest.bytes)}, ` +
          `integrity ok, ${manifest.blobs.count} blobs listed)\n`,
      );
    } finally {
      db.close();
    }
    return 0;
  }

  const from = positionals[0];
  if (!from) {
    process.stderr.write(`restore needs a backup: latest, or a file name.\n\n${usage}\n`);
    return 64;
  }
  if (!values.yes) {
    process.stderr.write(
      `This replaces the database ${config.sqlitePath} with the backup "${from}".\n` +
        'Work done after the backup comes back from clients that still hold it when they ' +
        'reconnect.\nRun again with --yes to do it.\n',
    );
    return 64;
  }
  try {
    const outcome = await restoreDatabase({
      dataDir: config.DATA_DIR,
      sqlitePath: config.sqlitePath,
      backupsDir,
      blobsDir,
      from,
      port: config.PORT,
      now: Date.now(),
    });
    process.stdout.write(
      `Restored ${outcome.restoredFrom} into ${config.sqlitePath}.\n` +
        (outcome.previousMovedTo
          ? `The previous database was moved to ${outcome.previousMovedTo}.\n`
          : '') +
        `New store generation ${outcome.storeGeneration}; ${outcome.blobsCopied} blobs copied back.\n` +
        'Start the server: clients push back what they hold that the backup lacks.\n',
    );
    return 0;
  } catch (err) {
    if (err instanceof RestoreRefusedError) {
      process.stderr.write(`${err.message}\n`);
      return 75; // EX_TEMPFAIL: stop the server and try again
    }
    throw err;
  }
}

/** The same commands on a cluster: pg_dump and pg_restore of DATABASE_URL. */
async function clusterCommand(
  config: Config,
  postgresUrl: string,
  command: 'backup' | 'restore',
  positionals: readonly string[],
  flags: { yes: boolean; force: boolean },
): Promise<number> {
  const { backupsDir } = backupPaths(config.DATA_DIR);
  // The URL is shown without its password, as pg_dump and pg_restore are given it.
  const where = pgConnection(postgresUrl).dbname;
  const pool = new PgPool({ url: postgresUrl, max: 2, applicationName: 'desk-backup-cli' });
  const sql = new PgSqlDatabase(pool);
  try {
    if (command === 'backup' && positionals[0] === 'list') {
      const dumps = listClusterBackups(backupsDir);
      if (dumps.length === 0) process.stdout.write(`No cluster backups in ${backupsDir}.\n`);
      for (const d of dumps) {
        process.stdout.write(
          `${d.file}  ${new Date(d.createdAt).toISOString()}  ${formatBytes(d.bytes)}  ` +
            `schema v${d.schemaVersion}  attachments ${d.attachments}  sha256 ${d.sha256.slice(0, 12)}…\n`,
        );
      }
      const last = await readClusterBackupRecord(sql);
      process.stdout.write(
        last?.file === ''
          ? `The cluster has no automatic backup yet: the first is due one interval after ` +
              `${new Date(last.at).toISOString()}.\n`
          : last
            ? `The cluster's last recorded backup: ${last.file} (${new Date(last.at).toISOString()}) ` +
              `in ${last.backupsDir} on ${last.host}.\n`
            : 'The cluster has no backup recorded.\n',
      );
      return 0;
    }
    if (command === 'backup') {
      if (!(await hasServerSchema(sql))) {
        process.stderr.write(
          `${where} holds no service desk data (no schema): is DATABASE_URL the cluster's database?\n`,
        );
        return 66; // EX_NOINPUT
      }
      const manifest = await createClusterBackup({
        postgresUrl,
        sql,
        backupsDir,
        now: Date.now(),
        keep: config.BACKUP_KEEP,
        pgDumpPath: config.PG_DUMP_PATH,
        attachmentsInS3: config.BLOB_S3_BUCKET !== undefined,
      });
      await recordClusterBackup(sql, manifest, backupsDir);
      process.stdout.write(
        `Backup written: ${backupsDir}/${manifest.file} (${formatBytes(manifest.bytes)}, ` +
          `pg_dump of ${where}, sha256 ${manifest.sha256})\n` +
          (manifest.attachments === 's3'
            ? 'Attachments are in S3 (BLOB_S3_BUCKET), not in this dump: back the bucket up too.\n'
            : ''),
      );
      return 0;
    }

    const from = positionals[0];
    if (!from) {
      process.stderr.write(`restore needs a backup: latest, or a file name.\n\n${usage}\n`);
      return 64;
    }
    if (!flags.yes) {
      process.stderr.write(
        `This restores the cluster backup "${from}" into the database ${where}.\n` +
          'Stop every process of the cluster first. Work done after the backup comes back ' +
          'from clients that still hold it when they reconnect.\nRun again with --yes to do it.\n',
      );
      return 64;
    }
    const outcome = await restoreClusterDatabase({
      backupsDir,
      from,
      targetUrl: postgresUrl,
      target: sql,
      pgRestorePath: config.PG_RESTORE_PATH,
      force: flags.force,
      now: Date.now(),
    });
    process.stdout.write(
      `Restored ${outcome.restoredFrom} into ${where}` +
        (outcome.manifest ? ' (checksum verified)' : ' (no manifest beside it: not checked)') +
        `.\nNew store generation ${outcome.storeGeneration}.\n` +
        (outcome.manifest?.attachments === 's3'
          ? 'Attachments were in S3 when this dump was taken: the bucket must hold them.\n'
          : '') +
        'Start the cluster on it: clients push back what they hold that the backup lacks.\n',
    );
    return 0;
  } catch (err) {
    if (err instanceof RestoreRefusedError) {
      process.stderr.write(`${err.message}\n`);
      return 75;
    }
    if (err instanceof PgToolError) {
      process.stderr.write(`${err.message}\n`);
      return err.code === PgToolFailure.missing ? 69 : 70; // EX_UNAVAILABLE, EX_SOFTWARE
    }
    throw err;
  } finally {
    await pool.end();
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    process.stderr.write(
      `Failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
