import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    // Static assets plus an SPA fallback: the sync-server serves them on the same port,
    // and every route renders in the browser from the local replica (local-first).
    // `precompress`: each asset also as .br and .gz, which the server sends to browsers that
    // accept them (staticApp.ts).
    adapter: adapter({ fallback: 'index.html', strict: true, precompress: true }),
    // A tab left open across a deploy asks every minute whether a new build is out
    // (`updated` in $app/state, read by UpdatePrompt.svelte): one small no-cache request.
    version: { pollInterval: 60_000 },
    // One JavaScript file and one stylesheet for the whole app (issue 15: first rows on a new
    // device within 2 s, a reload within 1 s). Split per route, opening the ticket list was a
    // three-step waterfall of ~75 files (the shell's imports, then the route's layout and page
    // and theirs), each step a round trip to the server and, on a reload, through the service
    // worker; one file arrives in one step and is compiled once (Chromium keeps its code cache
    // with the service worker's copy). The cost: the login page loads the editor too (~1 MB
    // minified in all, cached after the first visit).
    output: { bundleStrategy: 'single' },
  },
};

export default config;
