import type { Migration } from '../Migration.ts';

/**
 * Workspaces as a business: subscriptions (plan + state machine), invitations, the seat
 * ledger (the billing basis, terms §1), billing webhook receipts (replay protection) and
 * the audit log of operator and billing actions (terms §2, §3).
 */
export const m0005Workspaces: Migration = {
  version: 5,
  name: 'workspaces',
  up(db) {
    db.exec(`
      -- One subscription per workspace. The plan's numbers live in billing/plans.ts (data);
      -- only the plan id and the operator's overrides are stored here.
      CREATE TABLE subscriptions (
        workspace_id       TEXT PRIMARY KEY REFERENCES workspaces(id),
        plan_id            TEXT NOT NULL,
        state              TEXT NOT NULL
                           CHECK (state IN ('trialing', 'active', 'past_due', 'suspended', 'terminated')),
        -- Why a suspended workspace is suspended: the trial ran out, payment failed, or an operator.
        suspended_reason   TEXT CHECK (suspended_reason IN ('trial_expired', 'non_payment', 'operator')),
        seat_limit_override INTEGER CHECK (seat_limit_override IS NULL OR seat_limit_override >= 1),
        trial_ends_at      INTEGER,
        terminated_at      INTEGER,
        -- Termination starts a grace period; data may be deleted after this instant.
        delete_after       INTEGER,
        state_changed_at   INTEGER NOT NULL,
        created_at         INTEGER NOT NULL,
        updated_at         INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX subscriptions_trial_end ON subscriptions(trial_ends_at) WHERE state = 'trialing';

      -- Invitations by email. Only a hash of the token is kept: a leaked database does not
      -- hand out working invitation links.
      CREATE TABLE invitations (
        id            TEXT PRIMARY KEY,
        workspace_id  TEXT NOT NULL REFERENCES workspaces(id),
        email         TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'viewer')),
        token_hash    TEXT NOT NULL UNIQUE,
        invited_by    TEXT NOT NULL REFERENCES users(id),
        created_at    INTEGER NOT NULL,
        expires_at    INTEGER NOT NULL,
        last_sent_at  INTEGER NOT NULL,
        send_count    INTEGER NOT NULL DEFAULT 1,
        accepted_at   INTEGER,
        accepted_by   TEXT REFERENCES users(id),
        revoked_at    INTEGER,
        revoked_by    TEXT REFERENCES users(id)
      ) STRICT;
      CREATE INDEX invitations_workspace ON invitations(workspace_id, created_at);
      -- At most one open invitation per address and workspace; resend reuses it.
      CREATE UNIQUE INDEX invitations_open_email ON invitations(workspace_id, email)
        WHERE accepted_at IS NULL AND revoked_at IS NULL;

      -- Append-only history of seats: joined, removed, role changed; by whom and when.
      CREATE TABLE seat_ledger (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        workspace_id   TEXT NOT NULL REFERENCES workspaces(id),
        user_id        TEXT NOT NULL REFERENCES users(id),
        event          TEXT NOT NULL CHECK (event IN ('joined', 'removed', 'role_changed')),
        role           TEXT CHECK (role IN ('owner', 'admin', 'agent', 'viewer')),
        previous_role  TEXT CHECK (previous_role IN ('owner', 'admin', 'agent', 'viewer')),
        actor_user_id  TEXT REFERENCES users(id),
        seats_after    INTEGER NOT NULL,
        at             INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX seat_ledger_workspace ON seat_ledger(workspace_id, id);

      -- Every billing webhook event id ever accepted: a replayed delivery is refused.
      CREATE TABLE billing_events (
        event_id     TEXT PRIMARY KEY,
        type         TEXT NOT NULL,
        workspace_id TEXT,
        received_at  INTEGER NOT NULL
      ) STRICT;

      -- Who did what to which account or workspace. Operators' actions always land here;
      -- other modules reuse it (support access, content reports).
      CREATE TABLE audit_log (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        at            INTEGER NOT NULL,
        actor_kind    TEXT NOT NULL CHECK (actor_kind IN ('operator', 'user', 'billing', 'system')),
        actor_user_id TEXT REFERENCES users(id),
        action        TEXT NOT NULL,
        target_kind   TEXT NOT NULL,
        target_id     TEXT NOT NULL,
        workspace_id  TEXT,
        customer_id   TEXT,
        details       TEXT NOT NULL DEFAULT '{}'  -- JSON; never passwords, tokens or content
      ) STRICT;
      CREATE INDEX audit_log_workspace ON audit_log(workspace_id, id);
      CREATE INDEX audit_log_at ON audit_log(at);
    `);
  },
};
