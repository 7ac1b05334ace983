import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/config.ts';
import { createServer, type RunningServer } from '../createServer.ts';
import { createLogger } from '../log/logger.ts';
import { tokenFromOutboxSoon } from '../../../test/support/outbox.ts';
import { normalizeEmail } from '../http/emailAddress/index.ts';
import { hashPassword } from '../identity/passwords.ts';
import { SESSION_COOKIE } from '../identity/sessionCookie.ts';
import { serverBackendParts } from './testServerBackend.ts';

/**
 * Test support for HTTP-level tests of the account routes (and of anything that needs a
 * logged-in user): a real server on port 0 with a temp DATA_DIR, a movable clock, and a
 * client that keeps the session cookie and sends the right Origin. Not used in production.
 */
export const TEST_PUBLIC_URL = 'http://desk.test';

export interface TestClock {
  now: number;
  advance(ms: number): void;
}

export interface AuthTestServer {
  readonly server: RunningServer;
  readonly clock: TestClock;
  client(): TestClient;
  close(): Promise<void>;
}

export async function startAuthTestServer(
  env: Record<string, string> = {},
  options: {
    logLines?: string[];
    /** A cluster process's poll of other processes' work (`ServerOptions.clusterPollMs`). */
    clusterPollMs?: number;
    /** A cluster process's check of moderation counts (`ServerOptions.moderationCheckMs`). */
    moderationCheckMs?: number;
  } = {},
): Promise<AuthTestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-auth-'));
  // TEST_SERVER_BACKEND=postgres: a database and a Redis prefix of its own (testServerBackend.ts).
  const backend = await serverBackendParts(dataDir);
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    PUBLIC_URL: TEST_PUBLIC_URL,
    WEB_DIR: path.join(dataDir, 'no-web'),
    LOG_LEVEL: 'silent',
    ...backend.env,
    ...env,
  });
  fs.mkdirSync(config.WEB_DIR, { recursive: true });
  const clock: TestClock = {
    now: Date.parse('2026-11-27T12:00:00Z'),
    advance(ms) {
      this.now += ms;
    },
  };
  // With `logLines`, every log line (at trace level) is kept there for inspection.
  const lines = options.logLines;
  const log = lines
    ? createLogger('trace', { write: (line: string) => void lines.push(line) })
    : createLogger('silent');
  const server = await createServer(config, log, {
    now: () => clock.now,
    ...(options.clusterPollMs === undefined ? {} : { clusterPollMs: options.clusterPollMs }),
    ...(options.moderationCheckMs === undefined
      ? {}
      : { moderationCheckMs: options.moderationCheckMs }),
  });
  return {
    server,
    clock,
    client: () => new TestClient(server.url, new URL(config.PUBLIC_URL).origin),
    close: async () => {
      await server.stop();
      await backend.release();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export interface RequestOptions {
  body?: unknown;
  /** Origin header: the server's by default; a string to send another; null to send none. */
  origin?: string | null;
  bearer?: string;
  headers?: Record<string, string>;
}

/** A browser-like HTTP client: one cookie jar (the session cookie), Origin on every request. */
export class TestClient {
  /** The session cookie's value, as the server last set it (undefined: none). */
  sessionToken: string | undefined;

  constructor(
    readonly baseUrl: string,
    readonly origin: string,
  ) {}

  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<TestResponse<T>> {
    const response = await this.#send(method, path, options);
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  }

  /** GET with the body as plain text, for responses that are not JSON (files, blobs). */
  async getText(path: string, options: RequestOptions = {}): Promise<TestResponse<string>> {
    const response = await this.#send('GET', path, options);
    return { status: response.status, headers: response.headers, body: await response.text() };
  }

  async #send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    const origin = options.origin === undefined ? this.origin : options.origin;
    if (origin !== null) headers.origin = origin;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
    if (this.sessionToken !== undefined) headers.cookie = `${SESSION_COOKIE}=${this.sessionToken}`;
    const response = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, value] = (pair ?? '').split('=');
      if (name === SESSION_COOKIE) {
        this.sessionToken = value && !/Max-Age=0/i.test(cookie) ? value : undefined;
      }
    }
    return response;
  }

  get<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }
  post<T = unknown>(path: string, body?: unknown, options: RequestOptions = {}) {
    return this.request<T>('POST', path, { ...options, body: body ?? {} });
  }
  patch<T = unknown>(path: string, body: unknown, options: RequestOptions = {}) {
    return this.request<T>('PATCH', path, { ...options, body });
  }
  delete<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options);
  }
}

export const STRONG_PASSWORD = 'correct horse battery staple';

let counter = 0;
/**
 * Signs up a fresh owner (unique email and slug) as a person does: the form, then the
 * confirmation link from the mail (read from the outbox in DATA_DIR). Returns the
 * logged-in client.
 */
export async function signUp(
  test: AuthTestServer,
  overrides: { email?: string; password?: string; slug?: string; displayName?: string } = {},
): Promise<{
  client: TestClient;
  email: string;
  password: string;
  userId: string;
  workspaceId: string;
  slug: string;
}> {
  counter += 1;
  const n = `${Date.now().toString(36)}${counter}`;
  const email = overrides.email ?? `owner${n}@example.com`;
  const password = overrides.password ?? STRONG_PASSWORD;
  const slug = overrides.slug ?? `team-${n}`;
  const client = test.client();
  const displayName = overrides.displayName ?? 'Ana Owner';
  let token: string;
  if (test.server.ctx.config.SMTP_URL) {
    // Mail leaves this machine, so there is no outbox to read: stand in for the form and the
    // mail by keeping the pending sign-up directly, as the route does.
    // Through `control`: a cluster process's own SQLite holds no sign-ups.
    const { control } = test.server.services;
    const pending = await control.pendingSignups.create({
      email: normalizeEmail(email),
      displayName,
      phone: null,
      passwordHash: await hashPassword(password),
      customer: { kind: 'organization', name: 'Acme' },
      workspace: { name: 'Acme Support', slug },
      termsVersion: String((await control.terms.inForce()).version),
      ip: null,
    });
    token = pending.token;
  } else {
    // Tests sign up many owners from one address; the per-address limit has its own test.
    test.server.ctx.db.prepare(`DELETE FROM rate_limit_hits WHERE key LIKE 'signup%'`).run();
    const requested = await client.post('/api/auth/signup', {
      email,
      password,
      displayName,
      customer: { kind: 'organization', name: 'Acme' },
      workspace: { name: 'Acme Support', slug },
      acceptTerms: true,
    });
    if (requested.status !== 202)
      throw new Error(`sign-up failed: ${requested.status} ${JSON.stringify(requested.body)}`);
    token = await tokenFromOutboxSoon(
      test.server.ctx.config.DATA_DIR,
      normalizeEmail(email),
      '/signup/confirm',
    );
  }
  const res = await client.post<{
    user: { id: string };
    workspaces: { id: string; slug: string }[];
  }>('/api/auth/signup/confirm', { token });
  if (res.status !== 201)
    throw new Error(`sign-up confirmation failed: ${res.status} ${JSON.stringify(res.body)}`);
  const workspace = res.body.workspaces[0];
  if (!workspace) throw new Error('sign-up returned no workspace');
  return { client, email, password, userId: res.body.user.id, workspaceId: workspace.id, slug };
}
