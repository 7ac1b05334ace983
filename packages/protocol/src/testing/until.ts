/**
 * Resolves once `condition` holds, checking it after every short wait; rejects naming
 * `what` once `timeoutMs` has passed. A deadline, never a speed: it only turns a hang into
 * a readable failure, so it is generous and a busy machine never trips it.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what = 'condition',
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
