/** One outgoing message: always plain text and HTML. */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /**
   * Extra header fields (SMTP only; the outbox keeps none): `List-Unsubscribe` and
   * `List-Unsubscribe-Post` of announcements, so mail providers offer one-click opt-out.
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Where mail goes. Two implementations, picked once at start-up by `createMailer`: the outbox
 * table (default; read on the mailbox page) and SMTP via nodemailer (`SMTP_URL`).
 */
export interface Mailer {
  /** Which implementation this is; the mailbox page says where mail went. */
  readonly kind: 'outbox' | 'smtp';
  send(message: MailMessage): Promise<void>;
}
