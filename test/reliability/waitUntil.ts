/**
 * Resolves once `condition` holds, checking every 25 ms; rejects with `what` past the
 * deadline. A deadline, not a speed: on a busy machine it only has to be generous.
 */
export async function waitUntil(
  condition: () => boolean,
  deadlineMs: number,
  what: string,
): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
