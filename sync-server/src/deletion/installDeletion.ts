import type { Hono } from 'hono';
import type { AccessEvents } from '../access/AccessEvents.ts';
import type { BlobStorage } from '../blobs/BlobStorage.ts';
import type { MemberStores } from '../workspaces/memberRequest.ts';
import type { Mailer } from '../mail/Mailer.ts';
import type { EngineDocs } from '../sync/SyncEngine.ts';
import type { SyncAuth } from '../sync/SyncAuth.ts';
import { ClosedWorkspaceSyncAuth } from './ClosedWorkspaceSyncAuth.ts';
import { DeletionSweeper } from './DeletionSweeper.ts';
import {
  installDeletionRoutes,
  type DeletionRouteDeps,
  type DeletionRouteStores,
} from './deletionRoutes.ts';
import {
  WorkspaceDeletion,
  type DocumentRemover,
  type WorkspaceDeletionStores,
  type WorkspaceExports,
} from './WorkspaceDeletion.ts';

/**
 * What the deletion module reads through `Services.control` (issue 19: PostgreSQL may
 * answer): the routes' and the schedule's stores.
 */
export interface DeletionStores extends DeletionRouteStores, WorkspaceDeletionStores {}

/** The same, with what `memberRequest` reads (the workspace routes' shared check). */
type DeletionControl = DeletionStores & MemberStores;

/** The sync auth boundary, closed to workspaces being deleted (see ClosedWorkspaceSyncAuth). */
export function closedWorkspaceSyncAuth(
  inner: SyncAuth,
  services: { readonly control: Pick<DeletionStores, 'workspaceDeletions'> },
): SyncAuth {
  return new ClosedWorkspaceSyncAuth(inner, services.control.workspaceDeletions);
}

/** Where the purge reaches beyond the database: the sync engine, attachments, exports. */
export interface DeletionParts {
  /**
   * The sync engine: its `docs` list a workspace's documents, `deleteDocsDrained` removes
   * them (on the embedded store or a cluster's).
   */
  readonly sync: DocumentRemover & { readonly docs: Pick<EngineDocs, 'changedSince'> };
  /** Attachment storage (asked at purge time: createServer opens it after the routes). */
  readonly blobs: () => BlobStorage | null;
  readonly exports?: () => WorkspaceExports;
}

export type DeletionDeps = Omit<DeletionRouteDeps, 'workspaceDeletion' | 'control'> & {
  readonly control: DeletionControl;
  readonly access: AccessEvents;
  readonly mailer: Mailer;
};

export interface InstalledDeletion {
  readonly workspaceDeletion: WorkspaceDeletion;
  readonly sweeper: DeletionSweeper;
}

/**
 * Workspace deletion (issue 16) and the sweeper that warns and purges on schedule, built once
 * by the composition root (createSyncServices). The sweeper is not started here: call
 * `sweeper.start()` once the server is up.
 */
export function createDeletion(deps: DeletionDeps, parts: DeletionParts): InstalledDeletion {
  const workspaceDeletion = new WorkspaceDeletion({
    ...deps,
    docs: parts.sync.docs,
    documents: parts.sync,
    blobs: parts.blobs,
    ...(parts.exports ? { exports: parts.exports } : {}),
  });
  return { workspaceDeletion, sweeper: new DeletionSweeper({ ...deps, workspaceDeletion }) };
}

/**
 * The guard that closes a workspace's routes and the deletion routes. Install after the auth
 * context and before any other `/api/workspaces/:slug` route (the guard must run before them).
 */
export function installDeletion(
  app: Hono,
  deps: DeletionDeps & { readonly workspaceDeletion: WorkspaceDeletion },
): void {
  installDeletionRoutes(app, deps);
}
