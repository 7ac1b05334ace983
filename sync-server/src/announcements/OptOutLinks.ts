import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The RFC 8058 one-click endpoint. Exempt from the Origin check (the mail provider's POST
 * comes from no page of ours): the token alone authorises it, and all it can do is opt out.
 */
export const ANNOUNCEMENT_ONE_CLICK_PATH = '/api/auth/announcements/one-click';

/** What the signature covers besides the user id, so no other signed value can pass for it. */
const PURPOSE = 'desk announcement opt-out v1';

/**
 * The token of the opt-out link in every announcement: `<userId>.<HMAC-SHA256>` under the
 * installation's key. It lets the holder of the email do one thing without logging in —
 * stop announcements to that account — so it does not expire (an old email must still
 * work) and is not secret beyond that. The link carries it in the fragment
 * (`/announcements/opt-out#token=…`), so it stays out of access logs, and the page waits for
 * a click: a mail scanner that opens links opts nobody out.
 */
export class OptOutLinks {
  #key: Promise<Buffer> | null = null;

  /**
   * `readKey` is called on first use (the database is migrated by then) and its key kept: it
   * never changes. A failed read is not kept: the next use reads again.
   */
  constructor(
    private readonly readKey: () => Promise<Buffer>,
    private readonly publicUrl: string,
  ) {}

  private key(): Promise<Buffer> {
    this.#key ??= this.readKey().catch((err: unknown) => {
      this.#key = null;
      throw err;
    });
    return this.#key;
  }

  async token(userId: string): Promise<string> {
    return `${userId}.${(await this.signature(userId)).toString('base64url')}`;
  }

  async url(userId: string): Promise<string> {
    return `${this.publicUrl}/announcements/opt-out#token=${await this.token(userId)}`;
  }

  /** Where a mail provider's one-click "Unsubscribe" POSTs (RFC 8058): the token in the query. */
  async oneClickUrl(userId: string): Promise<string> {
    return `${this.publicUrl}${ANNOUNCEMENT_ONE_CLICK_PATH}?token=${encodeURIComponent(await this.token(userId))}`;
  }

  /** The user id a token names, or null when it was not signed with our key. */
  async verify(token: string): Promise<string | null> {
    const dot = token.indexOf('.');
    if (dot <= 0) return null;
    const userId = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const wanted = await this.signature(userId);
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return null;
    return userId;
  }

  private async signature(userId: string): Promise<Buffer> {
    return createHmac('sha256', await this.key())
      .update(`${PURPOSE}\n${userId}`)
      .digest();
  }
}
