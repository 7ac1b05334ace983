import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from '../db/Database.ts';
import {
  BACKUP_BLOBS_DIR,
  backupFileName,
  blobListPath,
  manifestPath,
  rotateBackups,
  type BackupManifest,
} from './backupFiles.ts';
import { listBlobs, mirrorBlobs } from './blobMirror.ts';
import { compactedCopy } from './compactedCopy.ts';
import { checkIntegrity } from './integrityCheck.ts';

export interface BackupOptions {
  /** The live database (the server's connection, or the CLI's own). */
  db: SqliteDatabase;
  backupsDir: string;
  /** DATA_DIR/blobs: attachments, listed and mirrored beside the database copies. */
  blobsDir: string;
  now: number;
  /** Backups kept after this one succeeds. */
  keep: number;
}

export class BackupIntegrityError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The backup copy failed its integrity check: ${problems.slice(0, 3).join('; ')}`);
    this.name = 'BackupIntegrityError';
  }
}

/**
 * An online backup of the whole database (the disaster case — not a workspace snapshot):
 * a compacted copy (`VACUUM INTO` on a read-only connection in a worker thread) while the
 * server keeps writing — live rows only, so content deleted before, a purged workspace's
 * included, is not in it — checked with `PRAGMA integrity_check` (off the main thread)
 * before it counts; blobs are listed and mirrored, then older backups are rotated out. A
 * copy that fails the check is deleted and the previous backups are left untouched.
 */
export async function createBackup(options: BackupOptions): Promise<BackupManifest> {
  const { db, backupsDir, blobsDir, now, keep } = options;
  await fs.promises.mkdir(backupsDir, { recursive: true });
  const file = backupFileName(now, backupsDir);
  const partial = path.join(backupsDir, `${file}.partial`);
  try {
    await compactedCopy(db.name, partial);
    selfContained(partial);
    const integrity = await checkIntegrity(partial);
    if (!integrity.ok) throw new BackupIntegrityError(integrity.problems);
    const facts = readFacts(partial);
    await fs.promises.rename(partial, path.join(backupsDir, file));

    const blobs = await listBlobs(blobsDir);
    await mirrorBlobs(blobsDir, path.join(backupsDir, BACKUP_BLOBS_DIR), blobs.files);
    const list = path.basename(blobListPath(backupsDir, file));
    await fs.promises.writeFile(path.join(backupsDir, list), blobs.files.join('\n'));

    const manifest: BackupManifest = {
      file,
      createdAt: now,
      schemaVersion: facts.schemaVersion,
      storeGeneration: facts.storeGeneration,
      bytes: (await fs.promises.stat(path.join(backupsDir, file))).size,
      integrity: 'ok',
      blobs: { count: blobs.files.length, bytes: blobs.bytes, list },
    };
    // The manifest last: a backup without one is not listed, so never half-used.
    const target = manifestPath(backupsDir, file);
    await fs.promises.writeFile(`${target}.partial`, JSON.stringify(manifest, null, 2));
    await fs.promises.rename(`${target}.partial`, target);
    rotateBackups(backupsDir, keep);
    return manifest;
  } finally {
    await fs.promises.rm(partial, { force: true });
  }
}

/**
 * The copy carries the live database's WAL flag; switch it to a rollback journal so the
 * backup is one self-contained file (no -wal/-shm beside it) that can be copied anywhere.
 */
function selfContained(file: string): void {
  const copy = new BetterSqlite3(file, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

function readFacts(file: string): { schemaVersion: number; storeGeneration: string } {
  const copy = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const version = copy.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as {
      v: number | null;
    };
    const generation = copy
      .prepare("SELECT value FROM meta WHERE key = 'store_generation'")
      .get() as { value: string } | undefined;
    return { schemaVersion: version.v ?? 0, storeGeneration: generation?.value ?? '' };
  } finally {
    copy.close();
  }
}
