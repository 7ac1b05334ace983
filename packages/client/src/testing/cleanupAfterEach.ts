import { afterEach } from 'vitest';

/**
 * Teardown for tests that start servers and clients: returns `defer(step)`; after each test
 * the deferred steps run, last first, and the list starts empty again.
 */
export function cleanupAfterEach(): (step: () => void | Promise<void>) => void {
  const steps: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const step of steps.splice(0).reverse()) await step();
  });
  return (step) => {
    steps.push(step);
  };
}
