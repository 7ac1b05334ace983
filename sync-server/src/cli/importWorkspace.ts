import path from 'node:path';
import { AccessEvents } from '../access/AccessEvents.ts';
import { liveServerReason } from '../backup/serverLock.ts';
import { blobStorageFor } from '../blobs/blobStorageFor.ts';
import type { Config } from '../config/config.ts';
import { openSqlite } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { WorkspaceImporter } from '../exports/WorkspaceImporter.ts';
import { ErrorCode } from '@desk/protocol';
import { AppError } from '../http/AppError.ts';
import { InProcessJobLease } from '../lifecycle/JobLease.ts';
import { ShutdownHooks } from '../lifecycle/ShutdownHooks.ts';
import { createLogger } from '../log/logger.ts';
import { HeavyYjs } from '../offthread/HeavyYjs.ts';
import { createServices } from '../Services.ts';
import { SqliteDocStore } from '../store/SqliteDocStore.ts';
import { heavyWorkerCode } from '../worker/heavyWorkerCode.ts';

export interface ImportWorkspaceOptions {
  readonly zip: string;
  readonly ownerEmail: string;
  readonly name: string;
  readonly slug: string;
}

/**
 * `pnpm operator import-workspace <zip> --owner-email … --name … --slug …`: the operator's
 * way to create a workspace from an export (a customer moving servers, a restore from their
 * own export). The same importer as `POST /api/workspace-imports`; the owner must have an
 * account here. Refused while a server runs on DATA_DIR (that server's upload reservations
 * and rooms are its own) — with a server running, the owner imports from the app instead.
 */
export async function importWorkspace(
  config: Config,
  options: ImportWorkspaceOptions,
): Promise<string> {
  if (!config.sqlitePath) {
    throw new Error('On PostgreSQL, owners import a workspace from the app (Settings → Import).');
  }
  const live = await liveServerReason(config.DATA_DIR, config.PORT);
  if (live) throw new AppError(ErrorCode.badRequest, 409, `Cannot import now: ${live}`);
  const db = openSqlite(config.sqlitePath);
  const log = createLogger('warn');
  const offThread = new HeavyYjs(log, heavyWorkerCode);
  try {
    migrate(db, migrations);
    const services = createServices({
      config,
      db,
      log,
      shutdown: new ShutdownHooks(log),
      access: new AccessEvents(),
      jobLease: new InProcessJobLease(),
      offThread,
      now: Date.now,
    });
    const owner = services.users.byEmail(options.ownerEmail.trim());
    if (!owner) throw AppError.notFound(`No account with the address ${options.ownerEmail}.`);
    const importer = new WorkspaceImporter({
      ...services,
      docs: new SqliteDocStore(db, Date.now),
      blobs: await blobStorageFor(config),
      log,
    });
    const result = await importer.import({
      zipPath: path.resolve(options.zip),
      ownerUserId: owner.id,
      name: options.name,
      slug: options.slug,
      actor: { kind: 'operator', userId: null },
    });
    return `Imported ${result.docs} documents and ${result.attachments} attachments into workspace "${result.workspace.name}" (/${result.workspace.slug}, id ${result.workspace.id}), owned by ${owner.email}.`;
  } finally {
    await offThread.close();
    db.close();
  }
}
