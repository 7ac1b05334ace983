import fs from 'node:fs';
import path from 'node:path';

/** What is known about one database backup; stored beside it as `<file>.json`. */
export interface BackupManifest {
  /** File name of the database copy, in the backups folder. */
  file: string;
  createdAt: number;
  schemaVersion: number;
  /** The store generation of the database when copied (a restore gives it a new one). */
  storeGeneration: string;
  bytes: number;
  integrity: 'ok';
  blobs: {
    count: number;
    bytes: number;
    /** File listing the blobs (relative paths) this backup needs, one per line. */
    list: string;
  };
}

export const BACKUP_PREFIX = 'desk-';
/** Blobs of every kept backup, mirrored once (content-addressed, so shared). */
export const BACKUP_BLOBS_DIR = 'blobs';

/** `desk-<time>.sqlite` (one process), or `desk-<time>.pgdump` (a cluster's pg_dump). */
export function backupFileName(
  now: number,
  backupsDir: string,
  extension: 'sqlite' | 'pgdump' = 'sqlite',
): string {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  let name = `${BACKUP_PREFIX}${stamp}.${extension}`;
  for (let n = 2; fs.existsSync(path.join(backupsDir, name)); n += 1) {
    name = `${BACKUP_PREFIX}${stamp}-${n}.${extension}`;
  }
  return name;
}

export function manifestPath(backupsDir: string, file: string): string {
  return path.join(backupsDir, `${file}.json`);
}

export function blobListPath(backupsDir: string, file: string): string {
  return path.join(backupsDir, `${file}.blobs.txt`);
}

/** Complete backups (those with a manifest), newest first. */
export function listBackups(backupsDir: string): BackupManifest[] {
  let names: string[];
  try {
    names = fs.readdirSync(backupsDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const manifests: BackupManifest[] = [];
  for (const name of names) {
    if (!name.startsWith(BACKUP_PREFIX) || !name.endsWith('.sqlite.json')) continue;
    try {
      const manifest = JSON.parse(
        fs.readFileSync(path.join(backupsDir, name), 'utf8'),
      ) as BackupManifest;
      if (fs.existsSync(path.join(backupsDir, manifest.file))) manifests.push(manifest);
    } catch {
      // A manifest being written or damaged: not a usable backup.
    }
  }
  return manifests.sort((a, b) => b.createdAt - a.createdAt || (a.file < b.file ? 1 : -1));
}

/**
 * Keeps the `keep` newest backups; deletes older ones, leftovers of interrupted backups,
 * and mirrored blobs no kept backup lists. Returns the files of the backups deleted.
 */
export function rotateBackups(backupsDir: string, keep: number): string[] {
  const all = listBackups(backupsDir);
  const kept = all.slice(0, Math.max(keep, 1));
  const removed = all.slice(kept.length);
  for (const manifest of removed) {
    for (const file of [
      path.join(backupsDir, manifest.file),
      manifestPath(backupsDir, manifest.file),
      blobListPath(backupsDir, manifest.file),
    ]) {
      fs.rmSync(file, { force: true });
    }
  }
  for (const name of fs.readdirSync(backupsDir)) {
    if (name.endsWith('.partial')) fs.rmSync(path.join(backupsDir, name), { force: true });
  }
  const needed = new Set<string>();
  for (const manifest of kept)
    for (const blob of readBlobList(backupsDir, manifest)) needed.add(blob);
  removeUnlisted(path.join(backupsDir, BACKUP_BLOBS_DIR), '', needed);
  return removed.map((m) => m.file);
}

export function readBlobList(backupsDir: string, manifest: BackupManifest): string[] {
  try {
    return fs
      .readFileSync(path.join(backupsDir, manifest.blobs.list), 'utf8')
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

function removeUnlisted(root: string, relative: string, needed: ReadonlySet<string>): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(root, relative), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const rel = path.join(relative, entry.name);
    if (entry.isDirectory()) removeUnlisted(root, rel, needed);
    else if (!needed.has(rel)) fs.rmSync(path.join(root, rel), { force: true });
  }
}
