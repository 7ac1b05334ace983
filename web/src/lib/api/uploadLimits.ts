import { ErrorCode, MAX_ATTACHMENT_BYTES, RefusedLimit } from '@desk/protocol';
import { formatBytes } from '@desk/model';

/** Why a file will not be taken, before a byte of it is sent (the server stays the backstop). */
export interface UploadRefusal {
  readonly code: typeof ErrorCode.payloadTooLarge | typeof ErrorCode.fileTypeRefused;
  /** The plan limit, as the server names it (`error.limit`); null for a refused type. */
  readonly limit: RefusedLimit | null;
  readonly message: string;
}

/**
 * Magic bytes of native programs, which uploads refuse (the server decides from the content
 * too, and knows more formats): Windows (MZ), Linux (ELF), macOS (Mach-O, 32/64 bit, both
 * byte orders, and universal binaries).
 */
const PROGRAM_MAGIC: readonly (readonly number[])[] = [
  [0x4d, 0x5a],
  [0x7f, 0x45, 0x4c, 0x46],
  [0xfe, 0xed, 0xfa, 0xce],
  [0xfe, 0xed, 0xfa, 0xcf],
  [0xce, 0xfa, 0xed, 0xfe],
  [0xcf, 0xfa, 0xed, 0xfe],
];

async function isProgram(file: Blob): Promise<boolean> {
  const head = new Uint8Array(await file.slice(0, 4).arrayBuffer());
  return PROGRAM_MAGIC.some((magic) => magic.every((byte, i) => head[i] === byte));
}

/**
 * Checks a file against what the server would refuse, in the order it would: its size
 * against the largest file (every plan), the room left in the workspace's storage (documents
 * plus attachments; null when not known yet), then its type from its first bytes. Null when
 * it may be sent. The words say what is wrong and what to do; the file stays where it is.
 */
export async function refuseUpload(
  file: File,
  storageLeft: number | null,
): Promise<UploadRefusal | null> {
  const name = `“${file.name}”`;
  if (file.size > MAX_ATTACHMENT_BYTES) {
    return {
      code: ErrorCode.payloadTooLarge,
      limit: RefusedLimit.attachmentSize,
      message: `${name} is ${formatBytes(file.size)}: files can be at most ${formatBytes(MAX_ATTACHMENT_BYTES)}. Share larger ones as a link.`,
    };
  }
  if (storageLeft !== null && file.size > storageLeft) {
    return {
      code: ErrorCode.payloadTooLarge,
      limit: RefusedLimit.storage,
      message:
        storageLeft <= 0
          ? `The workspace’s storage is full: ${name} was not uploaded. Delete old attachments or tickets, or upgrade the plan.`
          : `${name} (${formatBytes(file.size)}) does not fit in the ${formatBytes(storageLeft)} left in the workspace’s storage. Delete old attachments or tickets, or upgrade the plan.`,
    };
  }
  if (await isProgram(file)) {
    return {
      code: ErrorCode.fileTypeRefused,
      limit: null,
      message: `${name} is a program: programs and installers cannot be attached. Share them another way.`,
    };
  }
  return null;
}
