import type { Environment } from 'vitest/environments';

/**
 * Node, with modules transformed for the client as in the browser: svelte compiles
 * components and `.svelte.ts` runes for the client (on the `ssr` transform, `$effect` never
 * runs) and imports resolve with the `browser` condition. What else the browser gives the
 * app (IndexedDB, Web Storage) comes from setup.ts.
 */
const browserLike: Environment = {
  name: 'browser-like',
  viteEnvironment: 'client',
  setup: () => ({ teardown: () => undefined }),
};

export default browserLike;
