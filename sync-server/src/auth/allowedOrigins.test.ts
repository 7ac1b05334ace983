import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { allowedOrigins } from './allowedOrigins.ts';

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
