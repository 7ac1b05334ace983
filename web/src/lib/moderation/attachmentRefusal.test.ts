import { describe, expect, it } from 'vitest';
import { contentDisabledWords } from '@desk/protocol';
import { disabledAttachmentRefusal } from './attachmentRefusal.ts';

const ok = { name: 'invoice.pdf', sha256: 'a'.repeat(64) };
const off = { name: 'photo.jpg', sha256: 'b'.repeat(64) };
const reasonOf = (sha256: string) => (sha256 === off.sha256 ? 'IP notice 42' : null);

describe('disabledAttachmentRefusal (terms §4)', () => {
  it('lets files through that are not disabled', () => {
    expect(disabledAttachmentRefusal([], reasonOf)).toBeNull();
    expect(disabledAttachmentRefusal([ok], reasonOf)).toBeNull();
  });

  it('names a disabled file and says why, in the words every member sees', () => {
    const refusal = disabledAttachmentRefusal([ok, off], reasonOf);
    expect(refusal).toContain('“photo.jpg” cannot be attached');
    expect(refusal).toContain(contentDisabledWords('IP notice 42'));
  });
});
