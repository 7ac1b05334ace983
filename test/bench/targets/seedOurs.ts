import path from 'node:path';
import { ACCESS_TOKEN_PREFIX } from '../../../sync-server/src/identity/AccessTokenStore.ts';
import {
  generateSecretToken,
  hashSecretToken,
} from '../../../sync-server/src/identity/secretTokens.ts';
import { openSqlite } from '../../../sync-server/src/db/Database.ts';
import { migrate } from '../../../sync-server/src/db/migrate.ts';
import { migrations } from '../../../sync-server/src/db/migrations/index.ts';
import { SqliteDocStore } from '../../../sync-server/src/store/SqliteDocStore.ts';
import { SqliteTermsStore } from '../../../sync-server/src/terms/TermsStore.ts';
import { newId } from '../../../sync-server/src/ids/newId.ts';
import { createCustomerWithWorkspace } from '../../../sync-server/src/testing/createCustomerWithWorkspace.ts';

export interface BenchIdentity {
  readonly userId: string;
  readonly workspaceId: string;
  /** A personal access token scoped to the workspace, for `?token=`. */
  readonly token: string;
}

/**
 * Prepares a fresh data folder for our server the way a real installation would have it:
 * the schema migrated, one user owning one workspace (in trial, so writable) and a personal
 * access token of that user scoped to that workspace. Written straight into SQLite with the
 * server's own functions, before the server starts, so the benchmark needs no sign-up flow
 * (argon2 would add seconds) and exercises the same token check as any tool.
 */
export function seedOurs(dataDir: string): BenchIdentity {
  const db = openSqlite(path.join(dataDir, 'desk.sqlite'));
  try {
    migrate(db, migrations);
    const now = Date.now();
    const userId = newId();
    const token = ACCESS_TOKEN_PREFIX + generateSecretToken();
    const workspaceId = db.transaction(() => {
      db.prepare(
        `INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
        // Not a usable password hash: nobody logs in as the bench user, it only uses a token.
      ).run(userId, 'bench@example.com', 'Bench', '!', now, now);
      const { workspaceId } = createCustomerWithWorkspace(
        db,
        {
          ownerUserId: userId,
          customer: { kind: 'organization', name: 'Bench' },
          workspace: { name: 'Bench', slug: 'bench' },
        },
        now,
      );
      db.prepare(
        `INSERT INTO access_tokens (id, user_id, workspace_id, name, token_hash, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(newId(), userId, workspaceId, 'bench', hashSecretToken(token), now);
      // The terms in force, accepted as at sign-up: the server refuses an account that has not.
      const terms = new SqliteTermsStore(db, () => now);
      terms.accept({ userId, version: terms.inForce().version, ip: null });
      return workspaceId;
    })();
    return { userId, workspaceId, token };
  } finally {
    db.close();
  }
}

/** Rows a document has in the update log right now (read beside the running server; WAL). */
export function loggedUpdates(
  dataDir: string,
  docId: string,
): { logCount: number; hasState: boolean } {
  const db = openSqlite(path.join(dataDir, 'desk.sqlite'));
  try {
    // The store's own count: rows its merged state already holds may wait to be deleted.
    const rows = (db.prepare('SELECT log_count AS n FROM docs WHERE doc_id = ?').get(docId) as
      { n: number } | undefined) ?? { n: 0 };
    const doc = db.prepare('SELECT 1 AS s FROM doc_states WHERE doc_id = ?').get(docId) as
      { s: number } | undefined;
    return { logCount: rows.n, hasState: doc?.s === 1 };
  } finally {
    db.close();
  }
}

/**
 * Appends updates to a document's log with the server's own store, one row each, while the
 * server is stopped: a log as long as this never builds up through the server, which
 * compacts past its threshold, so this is how the worst case of a cold load is staged.
 */
export function appendToLog(dataDir: string, docId: string, updates: readonly Uint8Array[]): void {
  const db = openSqlite(path.join(dataDir, 'desk.sqlite'));
  try {
    const workspaceId = docId.slice(0, docId.indexOf(':'));
    new SqliteDocStore(db).append(updates.map((update) => ({ docId, workspaceId, update })));
  } finally {
    db.close();
  }
}
