import { execFileSync } from 'node:child_process';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { testServerPostgresUrl } from '../../sync-server/src/testing/testServerBackend.ts';

/**
 * How every test reads the mail the server sent, as a person reads their inbox: from the
 * `mail_outbox` table of the server's real SQLite file under its DATA_DIR (the server keeps
 * mail there when SMTP_URL is unset). Tests never use `GET /api/mailbox` for this: it is for
 * operators only. A read-only connection of its own, so it works the same for a server in
 * this process and one in a child process. A server on PostgreSQL (TEST_SERVER_BACKEND,
 * testServerBackend.ts) keeps its mail in its database, read the same way through `psql`
 * (synchronously, as the SQLite read is: every caller of this file expects an answer now).
 */
export interface OutboxMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly createdAt: number;
}

const OUTBOX_QUERY = `SELECT to_address, subject, text_body, html_body, created_at FROM mail_outbox
  WHERE to_address = ? ORDER BY created_at DESC, rowid DESC`;

interface OutboxRow {
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  created_at: number;
}

/** The mail to `to` (exact, normalized address), newest first. */
export function readOutbox(dataDir: string, to: string): OutboxMail[] {
  const postgresUrl = testServerPostgresUrl(dataDir);
  const rows = postgresUrl ? readPostgresOutbox(postgresUrl, to) : readSqliteOutbox(dataDir, to);
  return rows.map((r) => ({
    to: r.to_address,
    subject: r.subject,
    text: r.text_body,
    html: r.html_body,
    createdAt: Number(r.created_at),
  }));
}

function readPostgresOutbox(url: string, to: string): OutboxRow[] {
  // psql interpolates :'to' (quoted) in a script read from stdin, never in -c.
  const script = `SELECT coalesce(json_agg(m), '[]') FROM (${OUTBOX_QUERY.replace('?', ":'to'")}) m;`;
  const out = execFileSync('psql', [url, '-X', '-A', '-t', '-q', '-v', `to=${to}`], {
    input: script,
    encoding: 'utf8',
  });
  return JSON.parse(out) as OutboxRow[];
}

function readSqliteOutbox(dataDir: string, to: string): OutboxRow[] {
  const db = new BetterSqlite3(path.join(dataDir, 'desk.sqlite'), {
    readonly: true,
    fileMustExist: true,
  });
  try {
    return db.prepare(OUTBOX_QUERY).all(to) as OutboxRow[];
  } finally {
    db.close();
  }
}

/**
 * The secret token of the newest link to `to` whose path is `linkPath` (`/invite`,
 * `/reset`, `/signup/confirm`), from `?token=` or `#token=`. Throws when there is none.
 */
export function tokenFromOutbox(dataDir: string, to: string, linkPath: string): string {
  const pattern = new RegExp(`${escapeRegExp(linkPath)}[?#]token=([a-z2-7]+)`);
  for (const mail of readOutbox(dataDir, to)) {
    const token = pattern.exec(mail.text)?.[1];
    if (token) return token;
  }
  throw new Error(`no mail to ${to} with a ${linkPath} link`);
}

/**
 * `tokenFromOutbox` for mail the server sends without awaiting it (sign-up, password reset:
 * an SMTP round trip must not time the answer): on SQLite it is in the outbox when the
 * request is answered, on PostgreSQL a moment later — looked for again, as a person waits
 * for their inbox, for up to `withinMs`.
 */
export async function tokenFromOutboxSoon(
  dataDir: string,
  to: string,
  linkPath: string,
  withinMs = 15_000,
): Promise<string> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return tokenFromOutbox(dataDir, to, linkPath);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** The whole newest link to `to` whose path is `linkPath`, e.g. to open in a browser. */
export function linkFromOutbox(dataDir: string, to: string, linkPath: string): string {
  const pattern = new RegExp(`https?://\\S+${escapeRegExp(linkPath)}[?#]token=[a-z2-7]+`);
  for (const mail of readOutbox(dataDir, to)) {
    const link = pattern.exec(mail.text)?.[0];
    if (link) return link;
  }
  throw new Error(`no mail to ${to} with a ${linkPath} link`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
