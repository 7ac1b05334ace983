/**
 * How many leading bytes of an upload are kept for type detection. file-type reads at most
 * a few KiB for most formats; the zip-based ones (docx, xlsx, apk) look a little further in.
 */
export const TYPE_SAMPLE_BYTES = 64 * 1024;

/** How a stored file is answered: shown by the browser, or only ever downloaded. */
export type Disposition = 'inline' | 'download';

/**
 * The only types served inline: binary formats recognised by their magic bytes, which a
 * browser renders as media, never as a document that runs scripts. Everything else (HTML,
 * SVG, XML, text, archives, unknown bytes) is served as `application/octet-stream`
 * attachment — so safety never depends on recognising a page, only on recognising media.
 */
const inlineTypes =
  /^(image\/(png|jpeg|gif|webp|avif|bmp)|video\/(mp4|webm|ogg|quicktime)|audio\/(mpeg|ogg|opus|wav|x-wav|flac|x-flac|aac|mp4|x-m4a|webm)|application\/pdf)$/;

/**
 * Native executables and installers, refused at upload (415 `file_type_refused`): a service
 * desk never needs to hand one to a colleague, and a renamed `invoice.pdf.exe` is the
 * classic way to get one run. Decided by content, so renaming does not get one through.
 */
const refusedTypes = new Set([
  'application/x-msdownload',
  'application/vnd.microsoft.portable-executable',
  'application/x-dosexec',
  'application/x-msi',
  'application/x-elf',
  'application/x-executable',
  'application/x-sharedlib',
  'application/x-mach-binary',
  'application/vnd.android.package-archive',
]);

export function dispositionOf(type: string): Disposition {
  return inlineTypes.test(type) ? 'inline' : 'download';
}

export function isRefusedType(type: string): boolean {
  return refusedTypes.has(type);
}

/**
 * The MIME type of a file from its first bytes (never from its name or the client's
 * `content-type`): file-type's magic numbers first; text formats have none, so text is told
 * apart here — markup (anything starting with `<`) as HTML, SVG or XML, the rest as plain
 * text; bytes that are neither are `application/octet-stream`.
 */
export async function detectContentType(sample: Uint8Array): Promise<string> {
  // Loaded on the first upload, not at every start (issue 13's idle memory).
  const { fileTypeFromBuffer } = await import('file-type');
  const found = await fileTypeFromBuffer(sample);
  if (found) {
    // file-type calls every `<?xml` document XML; an SVG is one a browser would render.
    if (found.mime === 'application/xml' && looksLikeSvg(textOf(sample) ?? '')) {
      return 'image/svg+xml';
    }
    return found.mime;
  }
  const text = textOf(sample);
  if (text === null) return 'application/octet-stream';
  const start = text
    .replace(/^\uFEFF/, '')
    .trimStart()
    .slice(0, 4096)
    .toLowerCase();
  if (!start.startsWith('<')) return 'text/plain';
  if (looksLikeSvg(start)) return 'image/svg+xml';
  if (start.startsWith('<?xml')) return 'application/xml';
  // Any other markup is treated as a page: that is what a browser would make of it.
  return 'text/html';
}

function looksLikeSvg(text: string): boolean {
  return /<svg[\s>]/i.test(text.slice(0, 4096));
}

/** The sample as text, or null when it is not UTF-8 text (a NUL byte or an invalid sequence). */
function textOf(sample: Uint8Array): string | null {
  if (sample.includes(0)) return null;
  try {
    // `stream: true`: the sample may end inside a multi-byte character.
    return new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
  } catch {
    return null;
  }
}
