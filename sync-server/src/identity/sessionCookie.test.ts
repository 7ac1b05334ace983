import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { cookieExpiry, MAX_COOKIE_LIFETIME_MS, setDeviceCookie } from './sessionCookie.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('cookie expiry', () => {
  it('keeps an expiry within 400 days of the wall clock as it is', () => {
    const wallNow = Date.UTC(2026, 11, 6);
    expect(cookieExpiry(wallNow + 365 * DAY_MS, wallNow).getTime()).toBe(wallNow + 365 * DAY_MS);
  });

  it('caps an expiry past 400 days at 400 days from the wall clock', () => {
    const wallNow = Date.UTC(2026, 11, 6);
    expect(cookieExpiry(wallNow + 440 * DAY_MS, wallNow).getTime()).toBe(
      wallNow + MAX_COOKIE_LIFETIME_MS,
    );
  });

  it('sets the year-long device cookie while the server clock runs 40 days ahead', async () => {
    const config = loadConfig({ DATA_DIR: '/tmp', PUBLIC_URL: 'http://desk.test' });
    const app = new Hono().get('/', (c) => {
      setDeviceCookie(c, config, 'token', Date.now() + 40 * DAY_MS + 365 * DAY_MS);
      return c.text('ok');
    });
    const res = await app.request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^desk_device=token;/);
  });
});
