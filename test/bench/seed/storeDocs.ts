import path from 'node:path';
import { ACCESS_TOKEN_PREFIX } from '../../../sync-server/src/identity/AccessTokenStore.ts';
import {
  generateSecretToken,
  hashSecretToken,
} from '../../../sync-server/src/identity/secretTokens.ts';
import { plans, type Plan } from '../../../sync-server/src/billing/plans.ts';
import { SqliteAuditStore } from '../../../sync-server/src/audit/AuditStore.ts';
import { SqliteSubscriptionStore } from '../../../sync-server/src/billing/SubscriptionStore.ts';
import { openSqlite } from '../../../sync-server/src/db/Database.ts';
import { newId } from '../../../sync-server/src/ids/newId.ts';
import { SqliteDocStore } from '../../../sync-server/src/store/SqliteDocStore.ts';
import { createCustomerWithWorkspace } from '../../../sync-server/src/testing/createCustomerWithWorkspace.ts';

/**
 * Stores documents as a long-lived document is stored — a merged state, compacted — with
 * the server's own `SqliteDocStore`, into a data folder whose server is not running (its
 * schema already migrated by `seedOurs`). Writing 100 MB through the wire would take
 * minutes and measure the seeding, not the server.
 */
export function storeCompacted(
  dataDir: string,
  docs: readonly { docId: string; state: Uint8Array }[],
): void {
  const db = openSqlite(path.join(dataDir, 'desk.sqlite'));
  try {
    const store = new SqliteDocStore(db);
    for (const { docId, state } of docs) {
      const workspaceId = docId.slice(0, docId.indexOf(':'));
      const [written] = store.append([{ docId, workspaceId, update: state }]);
      store.compact(docId, state, written!.logId);
    }
  } finally {
    db.close();
  }
}

/**
 * Another workspace owned by the bench user (its own customer, in trial, so writable), with
 * its own personal access token: a second tenant on the same server.
 */
export function addWorkspace(
  dataDir: string,
  userId: string,
  name: string,
): { workspaceId: string; token: string } {
  const db = openSqlite(path.join(dataDir, 'desk.sqlite'));
  try {
    const now = Date.now();
    const token = ACCESS_TOKEN_PREFIX + generateSecretToken();
    const workspaceId = db.transaction(() => {
      const { workspaceId } = createCustomerWithWorkspace(
        db,
        {
          ownerUserId: userId,
          customer: { kind: 'organization', name },
          workspace: { name, slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-') },
        },
        now,
      );
      db.prepare(
        `INSERT INTO access_tokens (id, user_id, workspace_id, name, token_hash, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(newId(), userId, workspaceId, 'bench', hashSecretToken(token), now);
      return workspaceId;
    })();
    return { workspaceId, token };
  } finally {
    db.close();
  }
}

/**
 * The plan whose documents may grow largest. A trial workspace refuses updates to a
 * document over 5 MiB (`doc_too_large`; /yjs drops them), so the large-document benchmarks
 * put their workspaces on this plan, as a customer with such documents would be.
 */
export const largestDocPlan: Plan = Object.values(plans).reduce((a, b) =>
  b.documentSizeLimitBytes > a.documentSizeLimitBytes ? b : a,
);

/** Moves a workspace to another plan, as the billing provider would (audited as `system`). */
export function setPlan(dataDir: string, workspaceId: string, plan: Plan): void {
  const db = openSqlite(path.join(dataDir, 'desk.sqlite'));
  try {
    const subscriptions = new SqliteSubscriptionStore(
      db,
      Date.now,
      new SqliteAuditStore(db, Date.now),
    );
    db.transaction(() =>
      subscriptions.setPlan(workspaceId, plan.id, { kind: 'system', userId: null }),
    )();
  } finally {
    db.close();
  }
}
