import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@desk/protocol';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { AppError } from '../http/AppError.ts';
import { makeTempDir } from '../../../test/support/tempDir.ts';
import { SqliteAuditStore } from '../audit/AuditStore.ts';
import { DAY_MS } from '../billing/SubscriptionState.ts';
import { createCustomerWithWorkspace } from './createCustomerWithWorkspace.ts';
import { sqliteWorkspaceStores } from '../workspaces/workspaceStores.ts';

const now = Date.UTC(2026, 0, 1);
let db: SqliteDatabase;
let remove: () => void;

function addUser(id: string): void {
  db.prepare(
    `INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)
     VALUES (?, ?, ?, 'x', ?, ?)`,
  ).run(id, `${id}@example.com`, id, now, now);
}

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof AppError ? err.code : 'not an AppError';
  }
}

beforeEach(() => {
  const temp = makeTempDir();
  remove = temp.remove;
  db = openSqlite(`${temp.dir}/db.sqlite`);
  migrate(db, migrations);
  addUser('owner1');
});
afterEach(() => {
  db.close();
  remove();
});

describe('createCustomerWithWorkspace', () => {
  it('creates the customer, the workspace, the owner seat and a 14-day trial', () => {
    const { workspaceId } = createCustomerWithWorkspace(
      db,
      {
        ownerUserId: 'owner1',
        customer: { kind: 'organization', name: 'Acme' },
        workspace: { name: 'Acme Support', slug: 'acme' },
      },
      now,
    );
    const { subscriptions, seats } = sqliteWorkspaceStores(
      db,
      () => now,
      new SqliteAuditStore(db, () => now),
    );
    const sub = subscriptions.get(workspaceId);
    expect(sub?.state).toBe('trialing');
    expect(sub?.trialEndsAt).toBe(now + 14 * DAY_MS);
    expect(seats.seatsUsed(workspaceId)).toBe(1);
    const [entry] = seats.history(workspaceId);
    expect(entry).toMatchObject({
      userId: 'owner1',
      event: 'joined',
      role: 'owner',
      seatsAfter: 1,
    });
  });

  it('refuses a taken slug with slug_taken', () => {
    const input = {
      ownerUserId: 'owner1',
      customer: { kind: 'person' as const, name: 'Ana' },
      workspace: { name: 'Ana', slug: 'ana-desk' },
    };
    createCustomerWithWorkspace(db, input, now);
    expect(codeOf(() => createCustomerWithWorkspace(db, input, now))).toBe(ErrorCode.slugTaken);
  });

  it('refuses malformed and reserved slugs with validation_failed and writes nothing', () => {
    for (const slug of ['a', '-abc', 'abc-', 'ABC!', 'api', 'www', 'operator', 'x'.repeat(41)]) {
      const code = codeOf(() =>
        createCustomerWithWorkspace(
          db,
          {
            ownerUserId: 'owner1',
            customer: { kind: 'person', name: 'Ana' },
            workspace: { name: 'Ana', slug },
          },
          now,
        ),
      );
      expect(code, slug).toBe(ErrorCode.validationFailed);
    }
    expect(db.prepare('SELECT COUNT(*) AS n FROM customers').get()).toEqual({ n: 0 });
  });
});
