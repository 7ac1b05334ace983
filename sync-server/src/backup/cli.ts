import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.ts';
import { openSqlite } from '../db/Database.ts';
import { listBackups } from './backupFiles.ts';
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

DATA_DIR, DATABASE_URL and PORT come from the environment, as for the server.
With PostgreSQL (DATABASE_URL=postgres://…) use pg_dump / pg_restore instead.`;

async function main(argv: string[]): Promise<number> {
  // pnpm runs this inside sync-server/; resolve DATA_DIR=./data from where the user typed.
  if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { yes: { type: 'boolean', default: false }, help: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || (command !== 'backup' && command !== 'restore')) {
    process.stdout.write(`${usage}\n`);
    return command === undefined || values.help || command === 'help' ? 0 : 64;
  }
  const config = loadConfig(process.env);
  if (!config.sqlitePath) {
    process.stderr.write('This command handles SQLite; with PostgreSQL use pg_dump.\n');
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
