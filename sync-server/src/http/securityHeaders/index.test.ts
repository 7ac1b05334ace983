import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.ts';
import { contentSecurityPolicy, inlineScriptHashes, securityHeaders } from './index.ts';

/** The policy as a map from directive to its sources. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split(';').map((part) => {
      const [name = '', ...sources] = part.trim().split(/\s+/);
      return [name, sources];
    }),
  );
}

const secure = loadConfig({ PUBLIC_URL: 'https://desk.example.com' });

describe('the Content-Security-Policy', () => {
  it('allows scripts only from our files and the named inline hashes, never unsafe-inline or eval', () => {
    const policy = directives(contentSecurityPolicy(secure, ['sha256-abc=']));
    expect(policy.get('script-src')).toEqual(["'self'", "'sha256-abc='"]);
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(contentSecurityPolicy(secure, ['sha256-abc='])).not.toMatch(/unsafe-eval/);
    expect(policy.get('script-src')).not.toContain("'unsafe-inline'");
  });

  it('forbids framing, plugins, a foreign <base> and foreign form targets', () => {
    const policy = directives(contentSecurityPolicy(secure));
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'self'"]);
    expect(policy.get('form-action')).toEqual(["'self'"]);
    expect(policy.get('worker-src')).toEqual(["'self'"]);
  });

  it('allows inline style attributes but no inline style elements', () => {
    const policy = directives(contentSecurityPolicy(secure));
    expect(policy.get('style-src-elem')).toEqual(["'self'"]);
    expect(policy.get('style-src-attr')).toEqual(["'unsafe-inline'"]);
  });

  it('connects only to our origin and its WebSocket', () => {
    expect(directives(contentSecurityPolicy(secure)).get('connect-src')).toEqual([
      "'self'",
      'wss://desk.example.com',
    ]);
  });

  it('names the loopback spellings of a local PUBLIC_URL but IPv6 literals, which CSP cannot express', () => {
    const local = loadConfig({ PUBLIC_URL: 'http://localhost:3000' });
    expect(directives(contentSecurityPolicy(local)).get('connect-src')).toEqual([
      "'self'",
      'ws://localhost:3000',
      'ws://127.0.0.1:3000',
    ]);
  });

  it('lets workspace hosts <slug>.<BASE_DOMAIN> reach their own WebSocket', () => {
    const hosted = loadConfig({
      PUBLIC_URL: 'https://desk.example.com',
      BASE_DOMAIN: 'desk.example.com',
    });
    expect(directives(contentSecurityPolicy(hosted)).get('connect-src')).toEqual([
      "'self'",
      'wss://desk.example.com',
      'wss://*.desk.example.com',
    ]);
  });
});

describe('inline script hashes', () => {
  it('hashes the exact text of each inline script and skips scripts with a src', () => {
    const body = '\n  console.log("boot");\n';
    const html = `<head><script src="/a.js"></script></head><body><script>${body}</script></body>`;
    const expected = createHash('sha256').update(body).digest('base64');
    expect(inlineScriptHashes(html)).toEqual([`sha256-${expected}`]);
  });

  it('finds none in a page without inline scripts', () => {
    expect(inlineScriptHashes('<p>no scripts</p>')).toEqual([]);
  });
});

describe('the security headers middleware', () => {
  function appWith(publicUrl: string): Hono {
    const app = new Hono();
    app.use(
      securityHeaders({
        config: loadConfig({ PUBLIC_URL: publicUrl }),
        scriptHashes: () => ['sha256-shell='],
      }),
    );
    app.get('/page', (c) => c.html('<p>hi</p>'));
    app.get('/file', (c) => {
      c.header('Content-Security-Policy', "sandbox; default-src 'none'");
      return c.body('uploaded');
    });
    app.get('/fails', () => {
      throw new Error('boom');
    });
    app.onError((_error, c) => c.text('failed', 500));
    return app;
  }

  it('sets CSP, nosniff and Referrer-Policy on every response, errors included', async () => {
    const app = appWith('http://localhost:3000');
    for (const path of ['/page', '/fails', '/not-a-route']) {
      const response = await app.request(path);
      expect(response.headers.get('content-security-policy')).toContain("'sha256-shell='");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    }
  });

  it("keeps a route's own stricter policy (an uploaded file is served sandboxed)", async () => {
    const response = await appWith('http://localhost:3000').request('/file');
    expect(response.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'");
  });

  it('sends Strict-Transport-Security only when PUBLIC_URL is https', async () => {
    const plain = await appWith('http://localhost:3000').request('/page');
    expect(plain.headers.get('strict-transport-security')).toBeNull();
    const secure = await appWith('https://desk.example.com').request('/page');
    expect(secure.headers.get('strict-transport-security')).toBe(
      'max-age=31536000; includeSubDomains',
    );
  });
});
