import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { tokenFromOutbox } from '../../../test/support/outbox.ts';
import { loginBackoff } from './limits.ts';
import { DEVICE_COOKIE } from '../identity/sessionCookie.ts';
import {
  signUp,
  startAuthTestServer,
  TEST_PUBLIC_URL,
  type AuthTestServer,
} from '../testing/authTestServer.ts';

/**
 * Issue 12: anyone who knew an email could keep its owner out (10 wrong passwords locked the
 * account for every address). These tests play the attacker and the owner from different
 * client addresses of the loopback network (127.0.0.x: the server sees each as its own TCP
 * peer), with the server's clock moved instead of waiting.
 */
let t: AuthTestServer;
beforeAll(async () => {
  t = await startAuthTestServer();
});
afterAll(() => t.close());
beforeEach(() => {
  t.server.ctx.db.prepare(`DELETE FROM rate_limit_hits WHERE key LIKE 'login:%'`).run();
});

interface Answer {
  status: number;
  retryAfterHeader: string | null;
  body: { error?: { code: string; retryAfter?: number } };
}

/** A browser at one client address, with its own cookie jar. */
class Browser {
  readonly cookies = new Map<string, string>();
  constructor(readonly address: string) {}

  login(email: string, password: string): Promise<Answer> {
    return this.#request('POST', '/api/auth/login', { email, password });
  }

  me(): Promise<Answer> {
    return this.#request('GET', '/api/auth/me');
  }

  #request(method: string, path: string, body?: unknown): Promise<Answer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { origin: TEST_PUBLIC_URL };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (this.cookies.size) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    return new Promise((resolve, reject) => {
      const req = http.request(new URL(path, t.server.url), {
        method,
        headers,
        localAddress: this.address,
        agent: false,
      });
      req.on('error', reject);
      req.on('response', (res) => {
        for (const cookie of res.headers['set-cookie'] ?? []) {
          const [pair = ''] = cookie.split(';');
          const [name = '', value = ''] = pair.split('=');
          if (/Max-Age=0/i.test(cookie) || !value) this.cookies.delete(name);
          else this.cookies.set(name, value);
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfterHeader: (res.headers['retry-after'] as string | undefined) ?? null,
            body: (text ? JSON.parse(text) : {}) as Answer['body'],
          }),
        );
      });
      req.end(payload);
    });
  }
}

/** Guesses until the throttle refuses; returns how many guesses were answered 401. */
async function guessUntilRefused(browser: Browser, email: string): Promise<number> {
  for (let failures = 0; failures < 1000; failures += 1) {
    const res = await browser.login(email, `wrong guess ${failures}`);
    if (res.status === 429) return failures;
    expect(res.status).toBe(401);
  }
  throw new Error('the throttle never refused');
}

describe('login throttling (no lockout by strangers)', () => {
  it('an attacker at one address cannot lock out the owner logging in from another', async () => {
    const owner = await signUp(t);
    const attacker = new Browser('127.0.0.2');
    // The attacker keeps at it for hours, waiting out every delay it is given.
    let failures = 0;
    for (let round = 0; round < 8; round += 1) {
      failures += await guessUntilRefused(attacker, owner.email);
      const refused = await attacker.login(owner.email, 'one more');
      t.clock.advance((refused.body.error?.retryAfter ?? 0) * 1000);
    }
    failures += await guessUntilRefused(attacker, owner.email);
    expect(failures).toBeGreaterThan(loginBackoff.perAccountAndAddress.freeFailures + 8);

    const ownerElsewhere = new Browser('127.0.0.3');
    expect((await ownerElsewhere.login(owner.email, owner.password)).status).toBe(200);
    // And the owner's session from before the attack never noticed it.
    expect((await owner.client.get('/api/auth/me')).status).toBe(200);
  });

  it('makes a guesser wait longer and longer: 1, 2, 4, 8 seconds, with Retry-After', async () => {
    const owner = await signUp(t);
    const guesser = new Browser('127.0.0.4');
    const free = await guessUntilRefused(guesser, owner.email);
    // The free failures, plus the first one that earned a delay.
    expect(free).toBe(loginBackoff.perAccountAndAddress.freeFailures + 1);
    const waits: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const refused = await guesser.login(owner.email, owner.password);
      expect(refused.status).toBe(429);
      expect(refused.body.error?.code).toBe(ErrorCode.rateLimited);
      expect(refused.retryAfterHeader).toBe(String(refused.body.error?.retryAfter));
      waits.push(refused.body.error?.retryAfter ?? 0);
      t.clock.advance(waits[i]! * 1000 - 1);
      // One millisecond early is still too early.
      expect((await guesser.login(owner.email, 'too early')).status).toBe(429);
      t.clock.advance(1);
      expect((await guesser.login(owner.email, `guess after waiting ${i}`)).status).toBe(401);
    }
    expect(waits).toEqual([1, 2, 4, 8]);
    // Even the right password waits: a delay that a right guess could skip would leak it.
    expect((await guesser.login(owner.email, owner.password)).status).toBe(429);
  });

  it('lets a known device in, while failures from many addresses hold back new ones', async () => {
    const owner = await signUp(t);
    const laptop = new Browser('127.0.0.5');
    expect((await laptop.login(owner.email, owner.password)).status).toBe(200);
    expect(laptop.cookies.has(DEVICE_COOKIE)).toBe(true);

    // A distributed guess: each address stays within its own budget, the account's fills up.
    const perAddress = loginBackoff.perAccountAndAddress.freeFailures;
    // One failure past the ceiling's free ones earns every new client a delay.
    let left = loginBackoff.perAccount.freeFailures + 1;
    for (let i = 1; left > 0; i += 1) {
      const bot = new Browser(`127.0.1.${i}`);
      for (let j = 0; j < perAddress && left > 0; j += 1, left -= 1) {
        expect((await bot.login(owner.email, `bot ${i} guess ${j}`)).status).toBe(401);
      }
    }
    // The ceiling slows every client without a device cookie, the owner's new phone too…
    const phone = new Browser('127.0.0.6');
    const slowed = await phone.login(owner.email, owner.password);
    expect(slowed.status).toBe(429);
    expect(slowed.body.error?.retryAfter).toBeGreaterThan(0);
    // …but not the owner's laptop, which logged in here before.
    expect((await laptop.login(owner.email, owner.password)).status).toBe(200);
    // A known device from an address where the attacker failed is let in as well.
    const bot = new Browser('127.0.1.1');
    bot.cookies.set(DEVICE_COOKIE, laptop.cookies.get(DEVICE_COOKIE)!);
    expect((await bot.login(owner.email, owner.password)).status).toBe(200);
    // The session from sign-up was never affected.
    expect((await owner.client.get('/api/auth/me')).status).toBe(200);
  }, 120_000); // a hundred password hashes are checked: slow on a busy machine

  it("does not take another account's device cookie as known", async () => {
    const victim = await signUp(t);
    const attacker = await signUp(t);
    const attackerBrowser = new Browser('127.0.0.7');
    expect((await attackerBrowser.login(attacker.email, attacker.password)).status).toBe(200);
    // With its own device cookie, the attacker still answers to the victim's limits.
    const failures = await guessUntilRefused(attackerBrowser, victim.email);
    expect(failures).toBe(loginBackoff.perAccountAndAddress.freeFailures + 1);
  });

  it("clears the account's failures when a password reset completes", async () => {
    const owner = await signUp(t);
    const guesser = new Browser('127.0.0.8');
    await guessUntilRefused(guesser, owner.email);
    expect((await guesser.login(owner.email, owner.password)).status).toBe(429);

    // The owner asks for a link and uses it, as a person does.
    expect(
      (await t.client().post('/api/auth/password/forgot', { email: owner.email })).status,
    ).toBe(202);
    const token = tokenFromOutbox(t.server.ctx.config.DATA_DIR, owner.email, '/reset');
    const newPassword = 'a brand new passphrase 42';
    const reset = await t.client().post('/api/auth/password/reset', {
      token,
      password: newPassword,
    });
    expect(reset.status).toBe(200);
    // From the very address that was held back, at once.
    expect((await guesser.login(owner.email, newPassword)).status).toBe(200);
  });

  it('keeps an existing session working while its account is under attack', async () => {
    const owner = await signUp(t);
    const browser = new Browser('127.0.0.9');
    expect((await browser.login(owner.email, owner.password)).status).toBe(200);
    const attacker = new Browser('127.0.0.10');
    await guessUntilRefused(attacker, owner.email);
    await guessUntilRefused(browser, owner.email);
    // Even the browser that is itself being slowed at login keeps its session.
    expect((await browser.me()).status).toBe(200);
    expect((await owner.client.get('/api/auth/me')).status).toBe(200);
  });
});
