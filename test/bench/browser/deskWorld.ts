import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Browser } from 'playwright-core';
import { plans } from '../../../sync-server/src/billing/plans.ts';
import { loadConfig, type Config } from '../../../sync-server/src/config/config.ts';
import { createServer, type RunningServer } from '../../../sync-server/src/createServer.ts';
import { createLogger } from '../../../sync-server/src/log/logger.ts';
import { signUp, TestClient } from '../../../sync-server/src/testing/authTestServer.ts';
import { launchBrowser } from '../../support/browser.ts';
import { freePort } from '../../support/freePort.ts';
import { makeTempDir } from '../../support/tempDir.ts';
import { seedDesk, type SeededDesk } from '../seed/seedDesk.ts';
import { setPlan } from '../seed/storeDocs.ts';
import { webBuildDir } from './webBuild.ts';

/**
 * Our server serving the built web app, with one workspace on the business plan holding a
 * realistic desk of `tickets` tickets (seeded into its SQLite store while it was stopped),
 * and Chromium. The owner's session token signs a browser context in.
 */
export interface DeskBenchWorld {
  readonly base: string;
  readonly slug: string;
  readonly sessionToken: string;
  readonly seeded: SeededDesk;
  /** How long the server took to project the seeded desk for search (NaN: not waited for). */
  readonly projectionSeconds: number;
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * `BENCH_DESK_DIR=<folder>`: keep the seeded server's data there and reuse it on the next
 * run with the same ticket count (no seeding, the search projection already current) — for
 * profiling the same desk again and again. The folder is never removed.
 */
export async function startDeskBenchWorld(tickets: number): Promise<DeskBenchWorld> {
  const kept = process.env.BENCH_DESK_DIR;
  const temp = kept ? keptDir(kept, tickets) : makeTempDir('desk-bench-browser-');
  const reused = kept ? readKept(temp.dir) : null;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config: Config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: temp.dir,
    PUBLIC_URL: base,
    WEB_DIR: webBuildDir,
    LOG_LEVEL: 'silent',
    SNAPSHOT_INTERVAL_MINUTES: '0',
    BACKUP_INTERVAL_HOURS: '0',
  });
  const start = () => createServer(config, createLogger('silent'));
  const stop = async (server: RunningServer) => {
    await server.sync.closeAll();
    await server.stop();
  };
  let server: RunningServer;
  if (reused) {
    server = await start();
    return openBrowser(server, reused, Number.NaN);
  }
  server = await start();
  let owner: Awaited<ReturnType<typeof signUp>>;
  try {
    owner = await signUp({
      server,
      clock: { now: Date.now(), advance: () => undefined },
      client: () => new TestClient(base, base),
      close: () => stop(server),
    });
  } finally {
    await stop(server);
  }
  setPlan(temp.dir, owner.workspaceId, plans.business);
  const seeded = seedDesk(temp.dir, owner.workspaceId, tickets);
  server = await start();
  // A desk in steady state has its search projection (and the list's first page) current;
  // right after seeding the server projects every seeded doc first. Wait for that, unless
  // BENCH_DESK_PROJECTION_WAIT=0 (then the start-up races the backfill).
  const projectionSeconds =
    process.env.BENCH_DESK_PROJECTION_WAIT === '0'
      ? Number.NaN
      : await projectionCaughtUp(server, owner.workspaceId);
  if (!owner.client.sessionToken) throw new Error('sign-up left no session');
  const desk: KeptDesk = {
    tickets,
    slug: owner.slug,
    sessionToken: owner.client.sessionToken,
    seeded,
  };
  if (kept) fs.writeFileSync(path.join(temp.dir, KEPT_FILE), JSON.stringify(desk));
  return openBrowser(server, desk, projectionSeconds);

  async function openBrowser(
    running: RunningServer,
    d: KeptDesk,
    seconds: number,
  ): Promise<DeskBenchWorld> {
    const launched = await launchBrowser().catch(async (error: unknown) => {
      await stop(running);
      temp.remove();
      throw error;
    });
    return {
      base,
      slug: d.slug,
      sessionToken: d.sessionToken,
      seeded: d.seeded,
      projectionSeconds: seconds,
      browser: launched.browser,
      close: async () => {
        await launched.close();
        await stop(running);
        temp.remove();
      },
    };
  }
}

/** What a kept folder's run left for the next one (BENCH_DESK_DIR). */
interface KeptDesk {
  readonly tickets: number;
  readonly slug: string;
  readonly sessionToken: string;
  readonly seeded: SeededDesk;
}

const KEPT_FILE = 'bench-desk.json';

/** The kept folder for this ticket count: created when missing, never removed. */
function keptDir(root: string, tickets: number): { dir: string; remove: () => void } {
  const dir = path.join(root, String(tickets));
  fs.mkdirSync(dir, { recursive: true });
  return { dir, remove: () => undefined };
}

function readKept(dir: string): KeptDesk | null {
  const file = path.join(dir, KEPT_FILE);
  if (!fs.existsSync(file)) {
    // A run stopped before it finished seeding: start over in an empty folder.
    for (const name of fs.readdirSync(dir)) fs.rmSync(path.join(dir, name), { recursive: true });
    return null;
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as KeptDesk;
}

/** Seconds until the search projection's cursor reached the workspace's change sequence. */
async function projectionCaughtUp(server: RunningServer, workspaceId: string): Promise<number> {
  const started = performance.now();
  const read = server.ctx.db.prepare(
    `SELECT (SELECT seq FROM workspace_seq WHERE workspace_id = @ws) AS seq,
            (SELECT seq FROM search_cursors WHERE workspace_id = @ws) AS cursor`,
  );
  for (;;) {
    const { seq, cursor } = read.get({ ws: workspaceId }) as {
      seq: number | null;
      cursor: number | null;
    };
    if (seq !== null && cursor !== null && cursor >= seq) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return (performance.now() - started) / 1000;
}
