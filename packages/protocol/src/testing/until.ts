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
  if (!(await holdsWithin(condition, timeoutMs)))
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * The same wait for callers that carry on either way (a benchmark counts what did not arrive
 * instead of failing): whether `condition` held before `timeoutMs` passed.
 */
export async function holdsWithin(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}
