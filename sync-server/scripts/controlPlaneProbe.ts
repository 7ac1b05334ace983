/**
 * Numbers for the control-plane stores on the SQL seam (SCALE-OUT.md): what a session
 * validation (every request and WebSocket upgrade does one) costs through the synchronous
 * SQLite store, the seam on SQLite and the seam on PostgreSQL; and how long a seat race
 * takes — invitations accepted at once from two processes (pools), the workspace row locked
 * before counting.
 *
 *   TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
 *     pnpm --filter @desk/sync-server exec tsx scripts/controlPlaneProbe.ts [validations]
 *
 * Creates and drops a database of its own.
 */
import { performance } from 'node:perf_hooks';
import { AccessEvents } from '../src/access/AccessEvents.ts';
import { SqlSubscriptionViews } from '../src/billing/SqlSubscriptionViews.ts';
import { SqliteSessionStore } from '../src/identity/SessionStore.ts';
import { SqlSessionStore } from '../src/identity/SqlSessionStore.ts';
import { SqlUserStore } from '../src/identity/SqlUserStore.ts';
import { SqliteUserStore } from '../src/identity/UserStore.ts';
import { newId } from '../src/ids/newId.ts';
import { asyncStore } from '../src/store/sql/asyncStore.ts';
import {
  openPgControlPlane,
  openSqliteControlPlane,
  type ControlPlaneDatabase,
} from '../src/testing/controlPlaneDatabases.ts';
import { AsyncSeatLimit } from '../src/workspaces/AsyncSeatLimit.ts';
import { SqlInvitationStore } from '../src/workspaces/SqlInvitationStore.ts';
import { SqlMembershipStore } from '../src/workspaces/SqlMembershipStore.ts';
import { SqlSeatLedger } from '../src/workspaces/SqlSeatLedger.ts';

const count = Number(process.argv[2] ?? 2000);
const now = () => Date.now();

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function validations(
  label: string,
  validate: (token: string) => Promise<unknown>,
  token: string,
): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await validate(token);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const total = times.reduce((a, b) => a + b, 0);
  console.log(
    `${label}: validate p50 ${quantile(times, 0.5).toFixed(3)} ms, p99 ${quantile(times, 0.99).toFixed(3)} ms, ${Math.round((count / total) * 1000)}/s one after another`,
  );
}

async function sessionsOn(db: ControlPlaneDatabase, label: string): Promise<void> {
  const access = new AccessEvents();
  const users = new SqlUserStore(db.sql, now);
  const sessions = new SqlSessionStore(db.sql, now, access, users);
  const userId = await users.create({
    email: 'a@example.com',
    displayName: 'A',
    passwordHash: 'h',
  });
  const { token } = await sessions.create(userId, { ip: null, userAgent: null });
  await validations(label, (t) => sessions.validate(t), token);
}

async function seatRace(db: ControlPlaneDatabase, label: string, invitations: number) {
  const stores = (on: ControlPlaneDatabase) => {
    const seats = new SqlSeatLedger(on.sql, now);
    const memberships = new SqlMembershipStore(on.sql, now, seats);
    const seatLimit = new AsyncSeatLimit(on.sql, new SqlSubscriptionViews(on.sql, now), seats);
    return {
      memberships,
      invitations: new SqlInvitationStore(on.sql, now, { memberships, seatLimit }),
    };
  };
  const users = new SqlUserStore(db.sql, now);
  const ownerId = await users.create({
    email: 'o@example.com',
    displayName: 'O',
    passwordHash: 'h',
  });
  const workspaceId = newId();
  await db.sql.run(
    `INSERT INTO customers (id, kind, name, owner_user_id, created_at) VALUES ('c', 'person', 'O', ?, 0)`,
    [ownerId],
  );
  await db.sql.run(
    `INSERT INTO workspaces (id, customer_id, slug, name, created_at) VALUES (?, 'c', 'race', 'R', 0)`,
    [workspaceId],
  );
  await db.sql.run(
    `INSERT INTO subscriptions (workspace_id, plan_id, state, seat_limit_override, trial_ends_at,
                                state_changed_at, created_at, updated_at)
     VALUES (?, 'trial', 'trialing', ?, ?, 0, 0, 0)`,
    [workspaceId, invitations + 1, now() + 86_400_000],
  );
  const a = stores(db);
  const b = stores(await db.another());
  await a.memberships.add({ workspaceId, userId: ownerId, role: 'owner', actorUserId: ownerId });
  const invited: { token: string; userId: string; email: string }[] = [];
  for (let i = 0; i < invitations; i++) {
    const email = `m${i}@example.com`;
    const { token } = await a.invitations.create({
      workspaceId,
      email,
      role: 'agent',
      invitedBy: ownerId,
    });
    invited.push({
      token,
      userId: await users.create({ email, displayName: 'M', passwordHash: 'h' }),
      email,
    });
  }
  const limit = Math.floor(invitations / 2) + 1;
  await db.sql.run('UPDATE subscriptions SET seat_limit_override = ? WHERE workspace_id = ?', [
    limit,
    workspaceId,
  ]);
  const t0 = performance.now();
  const outcomes = await Promise.allSettled(
    invited.map(({ token, userId, email }, i) =>
      (i % 2 ? b : a).invitations.accept({ token, userId, userEmail: email }),
    ),
  );
  const took = performance.now() - t0;
  const joined = outcomes.filter((o) => o.status === 'fulfilled').length;
  console.log(
    `${label}: ${invitations} acceptances at once from two processes, ${limit - 1} free seats: ${joined} joined in ${took.toFixed(0)} ms`,
  );
}

const sqlite = await openSqliteControlPlane();
{
  const users = new SqliteUserStore(sqlite.sqlite!, now);
  const sessions = new SqliteSessionStore(sqlite.sqlite!, now, new AccessEvents(), users);
  const userId = users.create({ email: 's@example.com', displayName: 'S', passwordHash: 'h' });
  const { token } = sessions.create(userId, { ip: null, userAgent: null });
  await validations('SQLite, synchronous store', async (t) => sessions.validate(t), token);
  const wrapped = asyncStore(sessions);
  await validations(
    'SQLite, synchronous store wrapped (asyncStore)',
    (t) => wrapped.validate(t),
    token,
  );
}
await sessionsOn(sqlite, 'SQLite, SqlSessionStore on the seam');
await seatRace(sqlite, 'SQLite seam', 40);
await sqlite.close();

if (process.env.TEST_POSTGRES_URL) {
  const pg = await openPgControlPlane();
  await sessionsOn(pg, 'PostgreSQL, SqlSessionStore on the seam');
  await seatRace(pg, 'PostgreSQL', 40);
  await pg.close();
} else {
  console.log('TEST_POSTGRES_URL unset: PostgreSQL not measured');
}
