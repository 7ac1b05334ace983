import type { MailMessage } from './Mailer.ts';

/** The product's name, in every subject and signature. */
export const PRODUCT_NAME = 'Service Desk';

export interface EmailContent {
  readonly to: string;
  /** Without the product name; it is prefixed here. */
  readonly subject: string;
  readonly greeting: string;
  readonly paragraphs: readonly string[];
  readonly action?: { readonly label: string; readonly url: string };
  /** Small print under the action, e.g. "This link expires in 30 minutes." */
  readonly footnote?: string;
  /** A small link under the signature (the opt-out link of announcements). */
  readonly footerLink?: { readonly label: string; readonly url: string };
}

/**
 * Builds the plain-text and HTML bodies of one message from the same content, so both
 * always say the same thing. Every piece of text is escaped in the HTML.
 */
export function renderEmail(content: EmailContent): MailMessage {
  const subject = `${PRODUCT_NAME}: ${content.subject}`;
  const text = [
    content.greeting,
    '',
    ...content.paragraphs.flatMap((p) => [p, '']),
    ...(content.action ? [`${content.action.label}: ${content.action.url}`, ''] : []),
    ...(content.footnote ? [content.footnote, ''] : []),
    `— ${PRODUCT_NAME}`,
    ...(content.footerLink ? ['', `${content.footerLink.label}: ${content.footerLink.url}`] : []),
  ].join('\n');

  const action = content.action
    ? `<p><a href="${escapeHtml(content.action.url)}" style="display:inline-block;padding:10px 16px;background:#2557d6;color:#ffffff;border-radius:6px;text-decoration:none">${escapeHtml(content.action.label)}</a></p>
<p style="font-size:13px;color:#555">Or copy this link: ${escapeHtml(content.action.url)}</p>`
    : '';
  const html = `<!doctype html>
<html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1d2330">
<p>${escapeHtml(content.greeting)}</p>
${content.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
${action}
${content.footnote ? `<p style="font-size:13px;color:#555">${escapeHtml(content.footnote)}</p>` : ''}
<p>— ${PRODUCT_NAME}</p>
${content.footerLink ? `<p style="font-size:13px;color:#555"><a href="${escapeHtml(content.footerLink.url)}">${escapeHtml(content.footerLink.label)}</a></p>` : ''}
</body></html>`;
  return { to: content.to, subject, text, html };
}

export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
