import fs from 'node:fs';
import path from 'node:path';

export interface BlobListing {
  /** Paths relative to the blobs folder, sorted. */
  files: string[];
  bytes: number;
}

/**
 * Uploads in progress live in `blobsDir/tmp` (BlobStore streams there, then renames into
 * place); they are not blobs yet.
 */
const IN_PROGRESS_DIR = 'tmp';

/** Every file under `blobsDir` (attachments: content-addressed, never changed once written). */
export async function listBlobs(blobsDir: string): Promise<BlobListing> {
  const files: string[] = [];
  let bytes = 0;
  const walk = async (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (dir !== blobsDir || entry.name !== IN_PROGRESS_DIR) await walk(full);
      } else if (entry.isFile()) {
        files.push(path.relative(blobsDir, full));
        bytes += (await fs.promises.stat(full)).size;
      }
    }
  };
  await walk(blobsDir);
  files.sort();
  return { files, bytes };
}

/**
 * Copies the listed blobs from `fromDir` to `toDir` unless already there. Blobs are
 * immutable and named by their content, so a present file is the same file; a hard link
 * costs no space where both folders share a file system, a copy otherwise.
 */
export async function mirrorBlobs(
  fromDir: string,
  toDir: string,
  files: readonly string[],
): Promise<number> {
  let copied = 0;
  for (const file of files) {
    const target = path.join(toDir, file);
    if (fs.existsSync(target)) continue;
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const source = path.join(fromDir, file);
    try {
      await fs.promises.link(source, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted meanwhile
      await fs.promises.copyFile(source, target);
    }
    copied += 1;
  }
  return copied;
}
