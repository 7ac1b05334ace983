import { describe, expect, it } from 'vitest';
import { ErrorCode, MAX_ATTACHMENT_BYTES, RefusedLimit } from '@desk/protocol';
import { refuseUpload } from './uploadLimits.ts';

/** A file of `size` bytes starting with `head` (a sparse Blob: nothing this big is allocated). */
function fileOf(size: number, head: number[] = [0x25, 0x50, 0x44, 0x46], name = 'a.pdf'): File {
  const start = new Uint8Array(head);
  const rest = Math.max(0, size - start.byteLength);
  return new File([start, new Blob([new ArrayBuffer(rest)])], name);
}

describe('refusing an upload before sending it (SPEC LIMIT-13: the app refuses first)', () => {
  it('takes a file just under and at the largest file size, and refuses one byte more, in words', async () => {
    expect(await refuseUpload(fileOf(MAX_ATTACHMENT_BYTES - 1), null)).toBeNull();
    expect(await refuseUpload(fileOf(MAX_ATTACHMENT_BYTES), null)).toBeNull();
    const refused = await refuseUpload(
      fileOf(MAX_ATTACHMENT_BYTES + 1, undefined, 'film.mp4'),
      null,
    );
    expect(refused).toMatchObject({
      code: ErrorCode.payloadTooLarge,
      limit: RefusedLimit.attachmentSize,
    });
    expect(refused?.message).toMatch(/“film\.mp4” is .*files can be at most 100(\.0)? MB/);
  });

  it('takes a file just under and at the storage left, and refuses one byte more; a full workspace says so', async () => {
    expect(await refuseUpload(fileOf(999), 1000)).toBeNull();
    expect(await refuseUpload(fileOf(1000), 1000)).toBeNull();
    expect(await refuseUpload(fileOf(1001), 1000)).toMatchObject({
      code: ErrorCode.payloadTooLarge,
      limit: RefusedLimit.storage,
      message: expect.stringMatching(/does not fit in the .* left in the workspace’s storage/),
    });
    expect((await refuseUpload(fileOf(10), 0))?.message).toMatch(/storage is full/);
    // Not known yet (never connected): the server decides.
    expect(await refuseUpload(fileOf(1001), null)).toBeNull();
  });

  it('refuses programs by their first bytes, whatever their name', async () => {
    for (const head of [
      [0x4d, 0x5a, 0x90, 0],
      [0x7f, 0x45, 0x4c, 0x46],
      [0xcf, 0xfa, 0xed, 0xfe],
    ]) {
      expect(await refuseUpload(fileOf(100, head, 'invoice.pdf'), null)).toMatchObject({
        code: ErrorCode.fileTypeRefused,
        message: expect.stringContaining('“invoice.pdf” is a program'),
      });
    }
    expect(await refuseUpload(fileOf(100, [0x89, 0x50, 0x4e, 0x47], 'x.exe'), null)).toBeNull();
  });
});
