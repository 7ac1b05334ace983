import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AuditAction } from '@desk/protocol';
import { openSqlite } from '../db/Database.ts';
import { BACKUP_BLOBS_DIR, listBackups, readBlobList } from './backupFiles.ts';
import { mirrorBlobs } from './blobMirror.ts';
import { checkIntegrity } from './integrityCheck.ts';
import { liveServerReason } from './serverLock.ts';

/** The audit entry the restored database gets (written here: no server runs during a restore). */
const RESTORED: AuditAction = 'database.restored';

export interface RestoreOptions {
  dataDir: string;
  sqlitePath: string;
  backupsDir: string;
  blobsDir: string;
  /** `latest`, a backup's file name in the backups folder, or a path to a database copy. */
  from: string;
  /** The configured PORT, to check that no server answers there. */
  port: number;
  now: number;
}

export interface RestoreOutcome {
  restoredFrom: string;
  /** Where the database that was replaced now lies (nothing is deleted), or null. */
  previousMovedTo: string | null;
  /** The new store generation: clients see it and push back what the backup lacks. */
  storeGeneration: string;
  blobsCopied: number;
}

/** A restore that must not (or cannot) run; the message says why and what to do. */
export class RestoreRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreRefusedError';
  }
}

/**
 * Disaster restore of the whole database from a backup — the opposite of a workspace
 * snapshot restore: nothing is rolled back on purpose; what the backup lacks comes back
 * from the clients that still hold it. For that, the restored database gets a NEW store
 * generation: every client that reconnects sees it changed and does a full state-vector
 * exchange instead of a catch-up by change sequence (which would be wrong: sequences
 * restart at the backup's values), pushing its newer edits back to the server.
 *
 * Refuses while a server is live on the data directory (a running server would keep
 * writing into the file being replaced). The replaced database is moved aside, not deleted.
 */
export async function restoreDatabase(options: RestoreOptions): Promise<RestoreOutcome> {
  const live = await liveServerReason(options.dataDir, options.port);
  if (live) throw new RestoreRefusedError(`Refusing to restore: ${live}`);

  const source = resolveBackup(options.backupsDir, options.from);
  const integrity = await checkIntegrity(source);
  if (!integrity.ok) {
    throw new RestoreRefusedError(
      `Refusing to restore ${source}: it fails the integrity check (${integrity.problems
        .slice(0, 3)
        .join('; ')}).`,
    );
  }

  const stamp = new Date(options.now).toISOString().replace(/[:.]/g, '-');
  let previousMovedTo: string | null = null;
  if (fs.existsSync(options.sqlitePath)) {
    previousMovedTo = `${options.sqlitePath}.replaced-${stamp}`;
    // The WAL may hold committed pages not yet in the main file: move all three together.
    for (const suffix of ['', '-wal', '-shm']) {
      if (fs.existsSync(options.sqlitePath + suffix)) {
        fs.renameSync(options.sqlitePath + suffix, previousMovedTo + suffix);
      }
    }
  }
  fs.mkdirSync(path.dirname(options.sqlitePath), { recursive: true });
  const incoming = `${options.sqlitePath}.restoring`;
  fs.copyFileSync(source, incoming);
  fs.renameSync(incoming, options.sqlitePath);

  const storeGeneration = randomUUID();
  const db = openSqlite(options.sqlitePath);
  try {
    db.transaction(() => {
      db.prepare(
        `INSERT INTO meta (key, value) VALUES ('store_generation', ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      ).run(storeGeneration);
      const hasAudit = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'")
        .get();
      if (hasAudit) {
        db.prepare(
          `INSERT INTO audit_log (at, actor_kind, actor_user_id, action, target_kind, target_id, details)
           VALUES (?, 'system', NULL, ?, 'database', ?, ?)`,
        ).run(
          options.now,
          RESTORED,
          storeGeneration,
          JSON.stringify({ from: path.basename(source), previousMovedTo }),
        );
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }

  const manifest = listBackups(options.backupsDir).find(
    (m) => path.join(options.backupsDir, m.file) === source,
  );
  const blobsCopied = manifest
    ? await mirrorBlobs(
        path.join(options.backupsDir, BACKUP_BLOBS_DIR),
        options.blobsDir,
        readBlobList(options.backupsDir, manifest),
      )
    : 0;
  return { restoredFrom: source, previousMovedTo, storeGeneration, blobsCopied };
}

function resolveBackup(backupsDir: string, from: string): string {
  if (from === 'latest') {
    const latest = listBackups(backupsDir)[0];
    if (!latest) throw new RestoreRefusedError(`There is no backup in ${backupsDir}.`);
    return path.join(backupsDir, latest.file);
  }
  const inFolder = path.join(backupsDir, from);
  if (!from.includes('/') && fs.existsSync(inFolder)) return inFolder;
  const resolved = path.resolve(from);
  if (!fs.existsSync(resolved)) throw new RestoreRefusedError(`No backup file at ${resolved}.`);
  return resolved;
}
