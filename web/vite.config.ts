import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    // In `vite dev`, forward API and WebSocket traffic to the sync-server.
    proxy: {
      '/api': 'http://localhost:3000',
      '/sync': { target: 'ws://localhost:3000', ws: true },
      '/yjs': { target: 'ws://localhost:3000', ws: true },
    },
  },
});
