import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.ts';
import { allowedOrigins, isAllowedOrigin, sessionCookieDomain } from './index.ts';

describe('allowedOrigins', () => {
  it('is exactly the origin of a public PUBLIC_URL', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://desk.example.com/' });
    expect([...allowedOrigins(config)]).toEqual(['https://desk.example.com']);
  });

  it('accepts every loopback spelling on the same port for a loopback PUBLIC_URL', () => {
    const config = loadConfig({ PORT: '3000' });
    expect(allowedOrigins(config)).toEqual(
      new Set(['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000']),
    );
    expect(allowedOrigins(config).has('http://127.0.0.1:3001')).toBe(false);
  });
});

describe('workspace hosts under BASE_DOMAIN', () => {
  const config = loadConfig({
    PUBLIC_URL: 'https://desk.example.com',
    BASE_DOMAIN: 'desk.example.com',
  });

  it('accepts the Origin of a workspace host on the same scheme', () => {
    expect(isAllowedOrigin(config, 'https://acme.desk.example.com')).toBe(true);
    expect(isAllowedOrigin(config, 'https://desk.example.com')).toBe(true);
  });

  it('refuses other schemes, deeper hosts, look-alike domains and a missing Origin', () => {
    expect(isAllowedOrigin(config, 'http://acme.desk.example.com')).toBe(false);
    expect(isAllowedOrigin(config, 'https://a.b.desk.example.com')).toBe(false);
    expect(isAllowedOrigin(config, 'https://acme.desk.example.com.evil.test')).toBe(false);
    expect(isAllowedOrigin(config, 'https://evildesk.example.com')).toBe(false);
    expect(isAllowedOrigin(config, undefined)).toBe(false);
  });

  it('refuses workspace hosts when BASE_DOMAIN is not configured', () => {
    const plain = loadConfig({ PUBLIC_URL: 'https://desk.example.com' });
    expect(isAllowedOrigin(plain, 'https://acme.desk.example.com')).toBe(false);
  });

  it('scopes the session cookie to BASE_DOMAIN only for requests to it or its workspace hosts', () => {
    expect(sessionCookieDomain(config, 'acme.desk.example.com')).toBe('desk.example.com');
    expect(sessionCookieDomain(config, 'desk.example.com')).toBe('desk.example.com');
    expect(sessionCookieDomain(config, 'other.example.org')).toBeUndefined();
    const withPort = loadConfig({ PORT: '3000', BASE_DOMAIN: 'desk.localhost:3000' });
    expect(sessionCookieDomain(withPort, 'acme.desk.localhost:3000')).toBe('desk.localhost');
  });
});
