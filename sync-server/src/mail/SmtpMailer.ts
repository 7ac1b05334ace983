import nodemailer, { type Transporter } from 'nodemailer';
import type { MailMessage, Mailer } from './Mailer.ts';

/** Sends through the SMTP server named by `SMTP_URL` (smtp:// or smtps://, with credentials). */
export class SmtpMailer implements Mailer {
  readonly kind = 'smtp';
  readonly #transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.#transport = nodemailer.createTransport(smtpUrl);
  }

  async send(message: MailMessage): Promise<void> {
    await this.#transport.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      ...(message.headers ? { headers: { ...message.headers } } : {}),
    });
  }

  close(): void {
    this.#transport.close();
  }
}
