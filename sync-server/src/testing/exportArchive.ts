import { createHash } from 'node:crypto';
import fs from 'node:fs';
import yazl from 'yazl';
import * as Y from 'yjs';
import { EXPORT_FORMAT_VERSION } from '@desk/protocol';
import type { ArchiveManifest } from '@desk/protocol/rest';

/**
 * Small export zips laid out as the exporter writes them (manifest, `yjs/` states, files),
 * with documents and files of exact sizes: for tests of what an import takes and refuses.
 */

/** A Yjs state of exactly `bytes` bytes (a text insert by a fixed client). */
export function stateOf(bytes: number): Buffer {
  const make = (chars: number) => {
    const doc = new Y.Doc();
    doc.clientID = 7;
    doc.getText('t').insert(0, 'x'.repeat(chars));
    return Y.encodeStateAsUpdate(doc);
  };
  // The lengths are varints: step to the exact size.
  let chars = bytes - (make(500).byteLength - 500);
  let state = make(chars);
  for (let i = 0; i < 4 && state.byteLength !== bytes; i++) {
    chars += bytes - state.byteLength;
    state = make(chars);
  }
  if (state.byteLength !== bytes) throw new Error(`no state of exactly ${bytes} bytes`);
  return Buffer.from(state);
}

export interface ArchiveSpec {
  tickets?: number;
  /** Sizes of the documents besides the tickets (an index, notices). */
  docs?: number[];
  /** Attachments, by content (sizes follow). */
  files?: Buffer[];
}

/** Writes an export zip with these contents to `target`; returns `target`. */
export async function writeArchive(target: string, spec: ArchiveSpec): Promise<string> {
  const zip = new yazl.ZipFile();
  const documents: ArchiveManifest['documents'] = [];
  const add = (name: string, state: Buffer) => {
    const file = `yjs/${name.replace(':', '_')}.bin`;
    zip.addBuffer(state, file);
    const sha256 = createHash('sha256').update(state).digest('hex');
    documents.push({ name, file, bytes: state.byteLength, sha256 });
  };
  (spec.docs ?? []).forEach((bytes, i) => add(i === 0 ? 'index' : `notice:n${i}`, stateOf(bytes)));
  for (let i = 0; i < (spec.tickets ?? 0); i++) add(`ticket:t${i}`, stateOf(40));
  const attachments = (spec.files ?? []).map((bytes, i) => {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const file = `files/${sha256}`;
    zip.addBuffer(bytes, file);
    return { sha256, name: `file-${i}.pdf`, type: 'application/pdf', size: bytes.byteLength, file };
  });
  const manifest: ArchiveManifest = {
    format: 'desk-workspace-export',
    formatVersion: EXPORT_FORMAT_VERSION,
    exportedAt: 0,
    exportId: 'x',
    workspace: { id: 'old', slug: 'old', name: 'Old' },
    counts: {
      tickets: spec.tickets ?? 0,
      notices: 0,
      channels: 0,
      members: 0,
      attachments: attachments.length,
      documents: documents.length,
      auditEntries: 0,
    },
    documents,
    attachments,
  };
  zip.addBuffer(Buffer.from(JSON.stringify(manifest)), 'manifest.json');
  zip.end();
  await new Promise<void>((resolve, reject) => {
    zip.outputStream.pipe(fs.createWriteStream(target)).on('close', resolve).on('error', reject);
  });
  return target;
}

/** A file that is a PDF by its bytes, of exactly `bytes` (at least 16). */
export function pdfOf(bytes: number): Buffer {
  const file = Buffer.alloc(bytes, 0x20);
  file.write('%PDF-1.4\n', 0);
  return file;
}
