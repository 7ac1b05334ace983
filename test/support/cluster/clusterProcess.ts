import { STRONG_PASSWORD, TestClient } from '../../../sync-server/src/testing/authTestServer.ts';
import { markPostgresServer } from '../../../sync-server/src/testing/testServerBackend.ts';
import { tokenFromOutboxSoon } from '../outbox.ts';
import { startServerProcess, type ServerProcess } from '../serverProcess.ts';
import { makeTempDir } from '../tempDir.ts';

/**
 * A real server process of a cluster (issue 19): `createServer` in an OS process of its
 * own, started from the server's entry as `pnpm start:cluster` starts each one, on the
 * cluster's PostgreSQL database and Redis key prefix, with a DATA_DIR of its own. For the
 * reliability tests (kill -9, restarts) and the `cluster` bench section.
 */

export const PUBLIC_URL = 'http://desk.test';

export interface ClusterParts {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly redisPrefix: string;
}

export interface ClusterProcess {
  readonly name: string;
  readonly dataDir: string;
  readonly process: ServerProcess;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** kill -9, and waits for the process to be gone. */
  readonly kill: () => Promise<void>;
  /** SIGTERM (nothing when it already ended), then removes its DATA_DIR. */
  readonly stop: () => Promise<void>;
}

export interface ClusterProcessOptions {
  /** How node runs the server (default: the sources under tsx; the bench: its bundle). */
  readonly nodeArgs?: readonly string[];
  /** More environment (limits, NODE_OPTIONS). */
  readonly env?: Readonly<Record<string, string>>;
}

export async function startClusterProcess(
  name: string,
  parts: ClusterParts,
  options: ClusterProcessOptions = {},
): Promise<ClusterProcess> {
  const temp = makeTempDir(`desk-cluster-${name}-`);
  // Its mail is in the shared database's outbox: tests read it there (outbox.ts).
  markPostgresServer(temp.dir, { url: parts.databaseUrl, prefix: parts.redisPrefix });
  const process = await startServerProcess(
    {
      DATA_DIR: temp.dir,
      PUBLIC_URL,
      DATABASE_URL: parts.databaseUrl,
      REDIS_URL: parts.redisUrl,
      REDIS_PREFIX: parts.redisPrefix,
      ...options.env,
    },
    ...(options.nodeArgs ? [options.nodeArgs] : []),
  );
  const running = () => process.child.exitCode === null && process.child.signalCode === null;
  return {
    name,
    dataDir: temp.dir,
    process,
    url: process.url,
    kill: async () => {
      if (running()) process.child.kill('SIGKILL');
      await process.exited;
    },
    stop: async () => {
      if (running()) process.child.kill('SIGTERM');
      await process.exited;
      temp.remove();
    },
  };
}

export interface ClusterOwner {
  readonly workspaceId: string;
  /** Personal access token scoped to the workspace (`/sync?token=`). */
  readonly token: string;
}

/**
 * Signs an owner up on `server` as a person does (the form, the link from the mail in the
 * cluster's outbox), and creates a personal access token for the new workspace.
 */
export async function signUpOwner(server: ClusterProcess): Promise<ClusterOwner> {
  const client = new TestClient(server.url, PUBLIC_URL);
  const n = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
  const email = `owner${n}@example.com`;
  const requested = await client.post('/api/auth/signup', {
    email,
    password: STRONG_PASSWORD,
    displayName: 'Ana Owner',
    customer: { kind: 'organization', name: 'Acme' },
    workspace: { name: 'Acme Support', slug: `team-${n}` },
    acceptTerms: true,
  });
  if (requested.status !== 202) throw new Error(`sign-up: ${JSON.stringify(requested.body)}`);
  const token = await tokenFromOutboxSoon(server.dataDir, email, '/signup/confirm');
  const confirmed = await client.post<{ workspaces?: { id: string }[] }>(
    '/api/auth/signup/confirm',
    { token },
  );
  const workspaceId = confirmed.body.workspaces?.[0]?.id;
  if (confirmed.status !== 201 || !workspaceId)
    throw new Error(`sign-up confirmation: ${JSON.stringify(confirmed.body)}`);
  const created = await client.post<{ token: string }>('/api/auth/tokens', {
    name: 'sync',
    workspaceId,
  });
  if (created.status !== 201) throw new Error(`token: ${JSON.stringify(created.body)}`);
  return { workspaceId, token: created.body.token };
}
