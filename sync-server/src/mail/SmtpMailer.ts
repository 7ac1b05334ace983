import type { Transporter } from 'nodemailer';
import type { MailMessage, Mailer } from './Mailer.ts';

/** Sends through the SMTP server named by `SMTP_URL` (smtp:// or smtps://, with credentials). */
export class SmtpMailer implements Mailer {
  readonly kind = 'smtp';
  /**
   * Made on the first mail: nodemailer (a quarter of the server bundle) is loaded then, not
   * at every start (issue 13's idle memory).
   */
  #transport: Promise<Transporter> | null = null;
  #closed = false;

  constructor(
    private readonly smtpUrl: string,
    private readonly from: string,
  ) {}

  async send(message: MailMessage): Promise<void> {
    if (this.#closed) throw new Error('The SMTP transport is closed.');
    this.#transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport(this.smtpUrl),
    );
    const transport = await this.#transport;
    await transport.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      ...(message.headers ? { headers: { ...message.headers } } : {}),
    });
  }

  close(): void {
    this.#closed = true;
    void this.#transport?.then((transport) => transport.close());
  }
}
