import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { AccessEvents } from './access/AccessEvents.ts';
import { installAnnouncements } from './announcements/announcementRoutes.ts';
import { ANNOUNCEMENT_ONE_CLICK_PATH } from './announcements/OptOutLinks.ts';
import { installAuth } from './auth/installAuth.ts';
import { BILLING_WEBHOOK_PATH } from './billing/billingWebhook.ts';
import { installBackups } from './backup/installBackups.ts';
import { installBilling } from './billing/installBilling.ts';
import type { Config } from './config/config.ts';
import { openSqlite } from './db/Database.ts';
import { migrate, schemaVersion } from './db/migrate.ts';
import { migrations } from './db/migrations/index.ts';
import { bodyLimit, DEFAULT_BODY_LIMIT_BYTES } from './http/bodyLimit/index.ts';
import { AppShell } from './http/AppShell.ts';
import { errorHandler } from './http/errorHandler/index.ts';
import { installHealthRoutes } from './http/health.ts';
import { installOpenApi } from './openapi/openApiDocument.ts';
import { requestLog } from './http/requestLog/index.ts';
import { securityHeaders } from './http/securityHeaders/index.ts';
import { installStaticApp } from './http/staticApp.ts';
import { installSupport } from './support/supportRoutes.ts';
import { installAuthContext } from './identity/middleware.ts';
import { installMailboxRoutes } from './mail/mailboxRoutes.ts';
import { installSearch } from './search/installSearch.ts';
import { installSnapshots } from './snapshots/installSnapshots.ts';
import { DeskSyncAuth } from './sync/DeskSyncAuth.ts';
import { installSync, type SyncOptions } from './sync/installSync.ts';
import { acceptSyncUpgrades } from './sync/syncUpgrades.ts';
import type { SyncEngine } from './sync/SyncEngine.ts';
import { installTicketRoutes } from './tickets/ticketNumberRoutes.ts';
import { installBlobRoutes } from './blobs/blobRoutes.ts';
import { installExports, type InstalledExports } from './exports/installExports.ts';
import {
  closedWorkspaceSyncAuth,
  installDeletion,
  type InstalledDeletion,
} from './deletion/installDeletion.ts';
import { blobStorageFor } from './blobs/blobStorageFor.ts';
import type { ClusterParts } from './clusterServices.ts';
import { CLUSTER_POLL_MS, InProcessJobLease } from './lifecycle/JobLease.ts';
import { ShutdownHooks, ShutdownPhase } from './lifecycle/ShutdownHooks.ts';
import { HeavyYjs } from './offthread/HeavyYjs.ts';
import { heavyWorkerCode } from './worker/heavyWorkerCode.ts';
import type { Logger } from './log/logger.ts';
import { ModeratedSyncAuth } from './moderation/ModeratedSyncAuth.ts';
import { installModeration } from './moderation/moderationRoutes.ts';
import { installOperatorRoutes } from './operator/operatorRoutes.ts';
import { installTerms } from './terms/termsRoutes.ts';
import { installUsageRoutes } from './usage/usageRoutes.ts';
import type { ServerContext } from './ServerContext.ts';
import { createServices, type Services } from './Services.ts';
import { createSyncServices, type SyncServices } from './SyncServices.ts';
import { installWorkspaces } from './workspaces/installWorkspaces.ts';

export interface RunningServer {
  readonly ctx: ServerContext;
  /** Every store and service, built once (tests read and drive them). */
  readonly services: Services & SyncServices;
  readonly app: Hono;
  readonly port: number;
  /** Base URL for tests and logs (http://host:port). */
  readonly url: string;
  /** The sync engine: server-originated updates, doc state, workspace sequences. */
  readonly sync: SyncEngine;
  /** Workspace deletion: the service and its sweeper (tests move the clock and `sweep()`). */
  readonly deletion: InstalledDeletion;
  /** Workspace exports (jobs; tests wait on `exports.service.idle()`) and imports. */
  readonly exports: InstalledExports;
  /** Graceful shutdown: stop accepting, close sockets, flush, close the database. */
  stop(): Promise<void>;
}

export interface ServerOptions {
  now?: () => number;
  /** Sync engine auth boundary and limits (tests shrink limits and inject auth). */
  sync?: Partial<SyncOptions>;
  /**
   * A cluster process: how often it looks for what another process scheduled or left
   * (`ClusterJobs.pollMs`; tests shorten it). @default CLUSTER_POLL_MS
   */
  clusterPollMs?: number;
  /**
   * A cluster process: how often it compares the moderation decision counts of the disabled
   * sets it keeps with PostgreSQL's (tests shorten it). @default MODERATION_CHECK_MS
   */
  moderationCheckMs?: number;
}

/**
 * The composition root: opens the database, applies migrations, wires every module onto
 * one Hono app and one port. Order matters: API and WebSocket routes before the static
 * app's catch-all.
 */
export async function createServer(
  config: Config,
  log: Logger,
  options: ServerOptions = {},
): Promise<RunningServer> {
  if (!config.sqlitePath) throw new Error('No SQLite file in the configuration (loadConfig).');
  // A cluster process (PostgreSQL and Redis, SCALE-OUT.md); its SQLite file is its own.
  // Imported only then: pg and ioredis add ~28 MiB to every start (issue 13's idle RSS).
  const clustering =
    config.postgresUrl && config.REDIS_URL ? await import('./clusterServices.ts') : null;
  const cluster =
    clustering && config.postgresUrl && config.REDIS_URL
      ? await clustering.openCluster(
          { ...config, postgresUrl: config.postgresUrl, REDIS_URL: config.REDIS_URL },
          log,
          options.now ?? Date.now,
        )
      : null;
  const db = openSqlite(config.sqlitePath, config.SQLITE_SYNCHRONOUS);
  const applied = migrate(db, migrations);
  if (applied.length) log.info({ applied }, 'database migrations applied');

  const shutdown = new ShutdownHooks(log);
  const offThread = new HeavyYjs(log.child({ module: 'offthread' }), heavyWorkerCode);
  // After the flush phase: compactions and snapshots still running there need it.
  shutdown.add(ShutdownPhase.stores, 'off-thread worker', () => offThread.close());
  const ctx: ServerContext = {
    config,
    db,
    log,
    shutdown,
    access: new AccessEvents(),
    // A cluster's RedisJobLease runs each scheduled job once across the processes.
    jobLease: cluster?.jobLease ?? new InProcessJobLease(),
    offThread,
    now: options.now ?? Date.now,
  };
  // Every store and service, once; modules get them passed in below.
  const base = createServices(
    ctx,
    clustering && cluster
      ? {
          control: clustering.pgControlPlane(cluster.sql, ctx),
          limiter: cluster.limiter,
          docs: cluster.docs,
          jobs: { pollMs: options.clusterPollMs ?? CLUSTER_POLL_MS },
        }
      : null,
  );
  if (clustering) warnPerProcess(log, clustering.perProcessOnCluster());
  // Attachment files and export zips (S3, else on a cluster PostgreSQL, else the disk):
  // opened before the modules, which are handed them.
  const blobs = await blobStorageFor(config, { space: 'attachments', pool: cluster?.pool });
  const exportZips = await blobStorageFor(config, { space: 'exports', pool: cluster?.pool });

  const app = new Hono();
  const shell = new AppShell(path.join(config.WEB_DIR, 'index.html'));
  app.use(requestId());
  // Every response, the API's and errors too; the CSP names the shell's inline script.
  app.use(securityHeaders({ config, scriptHashes: () => shell.scriptHashes() }));
  app.use(requestLog(log));
  app.onError(errorHandler(log));
  // Every body, on every route, is capped while it is read; routes that need more say so.
  app.use(bodyLimit({ maxBytes: DEFAULT_BODY_LIMIT_BYTES }));
  // Before installAuth: the upgrade authenticates itself (cookie + Origin, or ?token=).
  const sync = installSync(app, ctx, {
    // Refuses workspaces being deleted (base.workspaceDeletions).
    // Terms §4: disabled documents are refused per subscribe (ModeratedSyncAuth).
    auth: new ModeratedSyncAuth(
      closedWorkspaceSyncAuth(options.sync?.auth ?? new DeskSyncAuth(base), base),
      base.disabledSets,
    ),
    store: base.docStore,
    ...(cluster
      ? {
          cluster: {
            sharedStore: cluster.docs,
            fanOut: cluster.fanOut,
            compactionLease: cluster.jobLease,
            rateShares: cluster.rateShares,
          },
        }
      : {}),
    ...(options.sync?.limits ? { limits: options.sync.limits } : {}),
  });
  if (cluster) await joinClusterAccess(ctx, cluster, sync, base, options.moderationCheckMs);
  // What needs the sync engine, once, now that it exists.
  const services = {
    ...base,
    ...createSyncServices(base, sync, { attachments: blobs, exportZips }, cluster),
  };
  // First: sets c.var.auth and checks Origin for every later route.
  installAuthContext(app, {
    ...services,
    // Signed (the webhook) or token-authorised (one-click opt-out of mail providers), never
    // cookie-authenticated: the Origin check does not apply.
    originCheckExemptions: [BILLING_WEBHOOK_PATH, ANNOUNCEMENT_ONE_CLICK_PATH],
  });
  installAuth(app, services);
  installMailboxRoutes(app, services);
  installTerms(app, services); // next: refuses later /api routes until the terms in force are accepted
  installHealthRoutes(app, {
    ...ctx,
    schemaVersion: cluster ? () => cluster.schemaVersion() : () => schemaVersion(db),
    ...(cluster ? { expectedSchemaVersion: cluster.expectedSchemaVersion } : {}),
  });
  installOpenApi(app, ctx);
  // Before every workspace route: finds an operator's support grant for `:slug` (middleware).
  installSupport(app, services);
  // Before every workspace route: a workspace being deleted answers 410 to its members.
  installDeletion(app, services);
  installTicketRoutes(app, services);
  installBlobRoutes(app, services, blobs);
  installModeration(app, services, blobs);
  installWorkspaces(app, services);
  installBilling(app, services);
  installUsageRoutes(app, services);
  installOperatorRoutes(app, services);
  installAnnouncements(app, services);
  installSnapshots(app, services);
  installSearch(app, services);
  const exports = { service: services.exportService, importer: services.workspaceImporter };
  installExports(app, services, exports);
  // Last: a purge reaches attachments and exports, which are all in place now.
  services.deletionSweeper.start();
  // On a cluster the job dumps PostgreSQL (once per cluster), not this process's SQLite file.
  installBackups(
    ctx,
    cluster ? { sql: cluster.sql, pollMs: options.clusterPollMs ?? CLUSTER_POLL_MS } : undefined,
  );
  installStaticApp(app, ctx, shell);

  const server = await listen(app, config);
  // ws buffers a whole frame before our 4413 check sees it; its own cap (default 100 MiB)
  // must not let one socket allocate that much. Twice our limit keeps the typed 4413 for
  // everything up to it; beyond, ws closes with 1009 without buffering the rest.
  acceptSyncUpgrades(server, sync, log.child({ module: 'sync' }), 2 * sync.limits.maxMessageBytes);
  const port = (server.address() as AddressInfo).port;

  shutdown.add(ShutdownPhase.listener, 'http listener', () => closeServer(server));
  shutdown.add(ShutdownPhase.stores, 'database', () => {
    // Fold the WAL back into the main file so a copied file is complete on its own.
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  });
  if (cluster) shutdown.add(ShutdownPhase.stores, 'cluster', () => cluster.close());

  const url = `http://127.0.0.1:${port}`;
  log.info({ port, publicUrl: config.PUBLIC_URL }, 'server listening');
  const deletion = {
    workspaceDeletion: services.workspaceDeletion,
    sweeper: services.deletionSweeper,
  };
  return { ctx, services, app, port, url, sync, deletion, exports, stop: () => shutdown.run() };
}

/**
 * Access events across the cluster (`startClusterAccess`): relayed over Redis, and every open
 * socket rechecked against PostgreSQL when the channel comes back after a cut. Ended with
 * the listener phase, after the sockets closed.
 */
async function joinClusterAccess(
  ctx: ServerContext,
  cluster: ClusterParts,
  engine: SyncEngine,
  services: Services,
  moderationCheckMs: number | undefined,
): Promise<void> {
  const { users, sessions, tokens } = services.control;
  const { startClusterAccess } = await import('./cluster/startClusterAccess.ts');
  const access = await startClusterAccess({
    url: ctx.config.REDIS_URL!,
    prefix: cluster.prefix,
    processId: cluster.processId,
    access: ctx.access,
    engine,
    stores: { users, sessions, tokens },
    disabledSets: services.disabledSets,
    ...(moderationCheckMs === undefined ? {} : { moderationCheckMs }),
    now: ctx.now,
    log: ctx.log,
  });
  ctx.shutdown.add(ShutdownPhase.listener, 'cluster access', () => access.close());
}

/**
 * What a cluster process keeps for itself (`flatFieldsOnCluster`, clusterServices.ts: the
 * flat fields of `Services` declared per process, with why): said once at start, so an
 * operator knows what is not shared (SCALE-OUT.md, "createServer in cluster mode").
 */
function warnPerProcess(log: Logger, perProcess: Readonly<Record<string, string>>): void {
  log.warn({ perProcess }, `per process on this cluster: ${Object.keys(perProcess).join(', ')}`);
}

function listen(app: Hono, config: Config): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, () =>
      resolve(server as Server),
    ) as Server;
    server.once('error', reject);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Idle keep-alive connections would hold close() open; in-flight requests finish.
    server.closeIdleConnections();
  });
}
