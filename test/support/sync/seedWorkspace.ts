import path from 'node:path';
import { AccessEvents } from '../../../sync-server/src/access/AccessEvents.ts';
import { SqliteAccessTokenStore } from '../../../sync-server/src/identity/AccessTokenStore.ts';
import { SqliteSessionStore } from '../../../sync-server/src/identity/SessionStore.ts';
import { SqliteUserStore } from '../../../sync-server/src/identity/UserStore.ts';
import { openSqlite } from '../../../sync-server/src/db/Database.ts';
import { migrate } from '../../../sync-server/src/db/migrate.ts';
import { migrations } from '../../../sync-server/src/db/migrations/index.ts';
import { SqliteTermsStore } from '../../../sync-server/src/terms/TermsStore.ts';
import { newId } from '../../../sync-server/src/ids/newId.ts';
import { createCustomerWithWorkspace } from '../../../sync-server/src/testing/createCustomerWithWorkspace.ts';

export interface SeededWorkspace {
  readonly userId: string;
  readonly workspaceId: string;
  /** Personal access token of the owner, scoped to the workspace (`?token=`). */
  readonly token: string;
  /** Session cookie value of the owner (`desk_session=`). */
  readonly sessionToken: string;
}

/**
 * A data folder as a real installation has it, for tests that run the real server with its
 * real auth: schema migrated, one owner of one workspace (in trial, writable), with an
 * access token and a browser session. Written with the server's own functions before the
 * server starts.
 */
export function seedWorkspace(dataDir: string): SeededWorkspace {
  const db = openSqlite(path.join(dataDir, 'desk.sqlite'));
  try {
    migrate(db, migrations);
    const now = Date.now();
    const userId = newId();
    db.prepare(
      `INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
      // Nobody logs in with a password here: '!' is not a usable hash.
    ).run(userId, `owner-${userId}@example.com`, 'Owner', '!', now, now);
    const { workspaceId } = createCustomerWithWorkspace(
      db,
      {
        ownerUserId: userId,
        customer: { kind: 'organization', name: 'Sync test' },
        workspace: { name: 'Sync test', slug: `sync-${userId.slice(0, 8)}` },
      },
      now,
    );
    // The terms in force, accepted as at sign-up: the server refuses an account that has not.
    const terms = new SqliteTermsStore(db, Date.now);
    terms.accept({ userId, version: terms.inForce().version, ip: null });
    // The stores only need the database and a clock (nobody listens to access events here).
    const users = new SqliteUserStore(db, Date.now);
    const access = new AccessEvents();
    const { token } = new SqliteAccessTokenStore(db, Date.now, access, users).create({
      userId,
      workspaceId,
      name: 'sync test',
      expiresAt: null,
    });
    const session = new SqliteSessionStore(db, Date.now, access, users).create(userId, {
      ip: null,
      userAgent: 'test',
    });
    return { userId, workspaceId, token, sessionToken: session.token };
  } finally {
    db.close();
  }
}
