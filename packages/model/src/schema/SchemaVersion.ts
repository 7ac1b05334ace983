import type * as Y from 'yjs';

/** Transaction origin of schema migrations, so observers can tell them from user edits. */
export const MIGRATION_ORIGIN = 'desk-model-migration';

/** One step from `to - 1` to `to`. Must be idempotent: two replicas may run it at once. */
export interface DocMigration {
  readonly to: number;
  up(doc: Y.Doc): void;
}

export type SchemaState = 'current' | 'migrated' | 'future';

/**
 * Every document carries `meta.schemaVersion`. A document without one is version 0 (written
 * by a tool on the raw y-websocket endpoint, or before versioning). Older documents are
 * migrated forward in one transaction; a document from a newer app version is left alone
 * (`future`) and the UI asks the user to reload.
 *
 * Call after the local copy is loaded AND again after the first server sync: a migration
 * run on an empty local copy would miss the older content that arrives with the sync.
 * Because migrations are idempotent normalisations, concurrent runs on two replicas
 * converge to the same content.
 */
export function ensureSchema(
  doc: Y.Doc,
  current: number,
  migrations: readonly DocMigration[],
): SchemaState {
  const meta = doc.getMap<unknown>('meta');
  const raw = meta.get('schemaVersion');
  const version = typeof raw === 'number' ? raw : 0;
  if (version > current) return 'future';
  if (version === current) return 'current';
  doc.transact(() => {
    for (const migration of migrations) {
      if (migration.to > version && migration.to <= current) migration.up(doc);
    }
    meta.set('schemaVersion', current);
  }, MIGRATION_ORIGIN);
  return 'migrated';
}

export function schemaVersionOf(doc: Y.Doc): number {
  const raw = doc.getMap<unknown>('meta').get('schemaVersion');
  return typeof raw === 'number' ? raw : 0;
}
