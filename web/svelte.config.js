import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    // Static assets plus an SPA fallback: the sync-server serves them on the same port,
    // and every route renders in the browser from the local replica (local-first).
    adapter: adapter({ fallback: 'index.html', strict: true }),
    // A tab left open across a deploy asks every minute whether a new build is out
    // (`updated` in $app/state, read by UpdatePrompt.svelte): one small no-cache request.
    version: { pollInterval: 60_000 },
  },
};

export default config;
