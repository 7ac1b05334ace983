import fs from 'node:fs';
import path from 'node:path';

/**
 * Where an export's files live on the process that builds it: DATA_DIR/exports/<id>/ holds
 * the parts finished so far (the raw state and rendering of each document, written as it is
 * read, so a restart continues where it was). Names inside are made from document names,
 * which the export encodes so none is a path. The finished zip is not here: it is streamed
 * into the zip storage (ExportBuilderDeps.zips), except for exports finished before SQLite
 * migration 27, whose zip is still DATA_DIR/exports/<id>.zip (`zip`).
 */
export class ExportFiles {
  constructor(readonly root: string) {}

  staging(exportId: string): string {
    return path.join(this.root, exportId);
  }

  zip(exportId: string): string {
    return path.join(this.root, `${exportId}.zip`);
  }

  /** The part files of one document (`index`, `ticket:<id>`, …) in the staging folder. */
  part(exportId: string, docName: string): { state: string; rendered: string } {
    const base = path.join(this.staging(exportId), 'docs', encodeURIComponent(docName));
    return { state: `${base}.bin`, rendered: `${base}.json` };
  }

  /** Removes everything of the export on this disk (its staging folder, an older zip). */
  async remove(exportId: string): Promise<void> {
    await fs.promises.rm(this.staging(exportId), { recursive: true, force: true });
    await fs.promises.rm(this.zip(exportId), { force: true });
    await fs.promises.rm(`${this.zip(exportId)}.part`, { force: true });
  }
}

/** The archive path of a document's raw state: `yjs/index.bin`, `yjs/ticket/<id>.bin`, … */
export function yjsFileOf(docName: string): string {
  const [kind, ...rest] = docName.split(':');
  const id = rest.join(':');
  return id
    ? `yjs/${encodeURIComponent(kind!)}/${encodeURIComponent(id)}.bin`
    : `yjs/${encodeURIComponent(kind!)}.bin`;
}

/** The archive path of an attachment's bytes. */
export const attachmentFileOf = (sha256: string) => `attachments/${sha256}`;
