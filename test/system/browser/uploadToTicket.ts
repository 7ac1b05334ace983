import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Chooses files in the ticket's "Upload files" input as a user can: once it is enabled.
 * It is disabled until the workspace's access is confirmed (the ticket becomes writable);
 * files set on the disabled input start no upload, which made tests flaky whenever the
 * subscription answered after the page showed (slower under load).
 */
export async function uploadToTicket(
  page: Page,
  files: Parameters<Page['setInputFiles']>[1],
): Promise<void> {
  const upload = page.getByLabel('Upload files');
  await expect.poll(() => upload.isEnabled()).toBe(true);
  await upload.setInputFiles(files);
}
