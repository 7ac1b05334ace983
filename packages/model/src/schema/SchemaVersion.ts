import type * as Y from 'yjs';

/** Transaction origin of schema migrations, so observers can tell them from user edits. */
export const MIGRATION_ORIGIN = 'desk-model-migration';

/** One step from `to - 1` to `to`. Must be idempotent: two replicas may run it at once. */
export interface DocMigration {
  readonly to: number;
  up(doc: Y.Doc): void;
}

/**
 * `empty`: the document holds nothing yet (a fresh device before its first sync, or a doc
 * nobody wrote); nothing was written to it.
 */
export type SchemaState = 'current' | 'migrated' | 'future' | 'empty';

/**
 * Every document carries `meta.schemaVersion`. A document without one is version 0 (written
 * by a tool on the raw y-websocket endpoint, or before versioning). Older documents are
 * migrated forward in one transaction; a document from a newer app version is left alone
 * (`future`) and the UI asks the user to reload.
 *
 * Call after the local copy is loaded AND again after the first server sync. An empty
 * document is never written to: on a fresh device the local copy is empty until the first
 * sync, and a stamp written then would be the device's first write — sent before it knows
 * the server's copy, and refused if that copy is at its plan's size limit (issue 15: a new
 * device showed "1 refused change" before the user did anything). So a replica migrates
 * once it holds content: the server's after the first sync, or its own offline copy.
 * Because migrations are idempotent and deterministic, two replicas migrating at once
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
  if (doc.store.clients.size === 0) return 'empty';
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
