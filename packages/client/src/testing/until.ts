/**
 * Waits until `predicate` holds, checking every few milliseconds. A test helper for
 * asynchronous conditions (never a timing assertion: the limit only turns a hang into a
 * readable failure).
 */
export async function until(
  predicate: () => boolean,
  what = 'condition',
  limitMs = 10_000,
): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
