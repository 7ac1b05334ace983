import path from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineProject } from 'vitest/config';

/**
 * The web app's tests: every `*.test.ts` under src, with the Svelte plugin so the runes of
 * the `*.svelte.ts` managers (and of `*.svelte.test.ts` files) compile, and `$lib` resolved
 * as SvelteKit does. The root vitest.config.ts lists this file as its `web` project.
 */
export default defineProject({
  plugins: [svelte({ compilerOptions: { runes: true } })],
  resolve: {
    alias: { $lib: path.resolve(import.meta.dirname, 'src/lib') },
    // Svelte's client build, as in the browser: on the server build no effect ever runs.
    conditions: ['browser'],
  },
  test: {
    name: 'web',
    include: ['src/**/*.test.ts'],
    environment: './src/testing/browserLikeEnvironment.ts',
    setupFiles: ['src/testing/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    expect: { poll: { timeout: 20_000 } },
    sequence: { groupOrder: 0 },
  },
});
