import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    // Static assets plus an SPA fallback: the sync-server serves them on the same port,
    // and every route renders in the browser from the local replica (local-first).
    adapter: adapter({ fallback: 'index.html', strict: true }),
  },
};

export default config;
