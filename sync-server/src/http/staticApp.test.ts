import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test/support/tempDir.ts';
import { loadConfig } from '../config/config.ts';
import { createServer, type RunningServer } from '../createServer.ts';
import { createLogger } from '../log/logger.ts';
import { inlineScriptHashes } from './securityHeaders/index.ts';

/** A built app's shape: the SPA fallback with SvelteKit's inline bootstrap, and one asset. */
function shellHtml(build: string): string {
  return `<!doctype html><html><body><div style="display: contents"><script>
  import("/_app/immutable/entry/start.${build}.js");
</script></div></body></html>`;
}

describe('the web app on the server (issue 18.4, 12.4)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let server: RunningServer;
  let webDir: string;

  beforeAll(async () => {
    temp = makeTempDir();
    webDir = path.join(temp.dir, 'web');
    fs.mkdirSync(path.join(webDir, '_app/immutable/entry'), { recursive: true });
    fs.writeFileSync(path.join(webDir, 'index.html'), shellHtml('AAAA'));
    // A file a deploy replaces in place, with a compressed copy left from the build before.
    fs.mkdirSync(path.join(webDir, '_app'), { recursive: true });
    fs.writeFileSync(path.join(webDir, '_app/version.json'), '{"version":"new"}');
    fs.writeFileSync(
      path.join(webDir, '_app/version.json.br'),
      zlib.brotliCompressSync('{"version":"old"}'),
    );
    fs.writeFileSync(path.join(webDir, '_app/immutable/entry/start.AAAA.js'), 'export {};');
    // The build's precompressed copy of it (adapter-static `precompress`).
    fs.writeFileSync(
      path.join(webDir, '_app/immutable/entry/start.AAAA.js.br'),
      zlib.brotliCompressSync('export {};'),
    );
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: path.join(temp.dir, 'data'),
      WEB_DIR: webDir,
    });
    server = await createServer(config, createLogger('silent'));
  });
  afterAll(async () => {
    await server?.stop();
    temp.remove();
  });

  const navigate = (p: string) =>
    fetch(server.url + p, { headers: { 'sec-fetch-mode': 'navigate', accept: 'text/html' } });

  it('answers a hashed asset that is not there with a 404 that is not HTML, never the app', async () => {
    const response = await fetch(`${server.url}/_app/immutable/entry/start.OLD1.js`, {
      headers: { 'sec-fetch-mode': 'cors', accept: '*/*' },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).not.toMatch(/html/);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('answers 404 under /_app/ even to a navigation, and for any missing file that is not one', async () => {
    expect((await navigate('/_app/immutable/nodes/3.OLD.js')).status).toBe(404);
    const missing = await fetch(`${server.url}/icons/logo.png`, {
      headers: { 'sec-fetch-mode': 'no-cors' },
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).not.toMatch(/html/);
  });

  it('serves the asset that is there, cached forever', async () => {
    const response = await fetch(`${server.url}/_app/immutable/entry/start.AAAA.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('sends the precompressed copy to a browser that accepts it, the file itself otherwise', async () => {
    const url = `${server.url}/_app/immutable/entry/start.AAAA.js`;
    const compressed = await fetch(url, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(compressed.headers.get('content-encoding')).toBe('br');
    expect(compressed.headers.get('content-type')).toMatch(/javascript/);
    expect(compressed.headers.get('vary')).toMatch(/accept-encoding/i);
    expect(compressed.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await compressed.text()).toBe('export {};'); // fetch decodes it, as a browser does
    const plain = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe('export {};');
    // Outside the hashed files a compressed copy may be stale: the file itself is sent.
    const version = await fetch(`${server.url}/_app/version.json`, {
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(version.headers.get('content-encoding')).toBeNull();
    expect(await version.json()).toEqual({ version: 'new' });
  });

  it('answers navigations to app routes with index.html, its inline script allowed by hash', async () => {
    const response = await navigate('/w/acme/tickets');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toBe(shellHtml('AAAA'));
    const [hash] = inlineScriptHashes(shellHtml('AAAA'));
    expect(response.headers.get('content-security-policy')).toContain(`'${hash}'`);
  });

  it('follows a rebuild of index.html: the new inline script is the one allowed', async () => {
    fs.writeFileSync(path.join(webDir, 'index.html'), shellHtml('BBBB'));
    const response = await navigate('/');
    expect(await response.text()).toBe(shellHtml('BBBB'));
    const policy = response.headers.get('content-security-policy');
    expect(policy).toContain(`'${inlineScriptHashes(shellHtml('BBBB'))[0]}'`);
    expect(policy).not.toContain(`'${inlineScriptHashes(shellHtml('AAAA'))[0]}'`);
  });
});
