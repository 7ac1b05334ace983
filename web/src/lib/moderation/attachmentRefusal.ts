import type { AttachmentRef } from '@desk/model';
import { contentDisabledWords } from '@desk/protocol';

/** Why a file is disabled (terms §4), by its SHA-256: `DisabledItems.attachment`. */
export type AttachmentReason = (sha256: string) => string | null;

/**
 * Why these files cannot be attached or sent, in words, or null when they can: a file whose
 * access the operator disabled (item `blob:<sha256>`) is never attached again — not from the
 * composer's pending files, a kept draft, an offline upload nor a new upload of the same
 * bytes. The server would still serve it as 451; the app refuses before anything is written.
 */
export function disabledAttachmentRefusal(
  files: readonly Pick<AttachmentRef, 'name' | 'sha256'>[],
  reasonOf: AttachmentReason,
): string | null {
  for (const file of files) {
    const reason = reasonOf(file.sha256);
    if (reason !== null) {
      return `“${file.name}” cannot be attached: ${contentDisabledWords(reason)}. Remove it to send the rest.`;
    }
  }
  return null;
}
