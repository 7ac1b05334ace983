export const LinkProvider = {
  googleDrive: 'google_drive',
  oneDrive: 'onedrive',
  iCloud: 'icloud',
  dropbox: 'dropbox',
  web: 'web',
} as const;
export type LinkProvider = (typeof LinkProvider)[keyof typeof LinkProvider];

export const PROVIDER_NAMES: Record<LinkProvider, string> = {
  google_drive: 'Google Drive',
  onedrive: 'OneDrive',
  icloud: 'iCloud',
  dropbox: 'Dropbox',
  web: 'Link',
};

export interface LinkInfo {
  readonly url: string;
  readonly host: string;
  readonly provider: LinkProvider;
  readonly providerName: string;
  /** A short label: the file/path part, or the host. */
  readonly label: string;
}

const rules: { provider: LinkProvider; hosts: RegExp }[] = [
  // docs.google.com covers Docs/Sheets/Slides stored in Drive.
  { provider: 'google_drive', hosts: /^(drive|docs)\.google\.com$/ },
  {
    provider: 'onedrive',
    hosts:
      /^(1drv\.ms|onedrive\.live\.com|([a-z0-9-]+-my\.)?sharepoint\.com|[a-z0-9-]+-my\.sharepoint\.com)$/,
  },
  { provider: 'icloud', hosts: /^(www\.)?icloud\.com$/ },
  { provider: 'dropbox', hosts: /^(www\.)?(dropbox\.com|db\.tt|dl\.dropboxusercontent\.com)$/ },
];

/** Recognises cloud-storage links by host; anything else http(s) is a plain web link. */
export function recogniseLink(raw: string): LinkInfo | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const host = url.hostname.toLowerCase();
  const provider = rules.find((r) => r.hosts.test(host))?.provider ?? 'web';
  const segments = url.pathname.split('/').filter(Boolean);
  const last = segments.at(-1);
  const label =
    provider === 'web'
      ? host.replace(/^www\./, '') + (segments.length ? `/${segments.join('/')}` : '')
      : decodeURIComponent(last && !/^(view|edit|preview)$/.test(last) ? last : host);
  return { url: url.href, host, provider, providerName: PROVIDER_NAMES[provider], label };
}

const urlPattern = /\bhttps?:\/\/[^\s<>"')\]]+/g;

/** Every distinct http(s) link in a text, in order of appearance. */
export function extractLinks(text: string): LinkInfo[] {
  const seen = new Set<string>();
  const out: LinkInfo[] = [];
  for (const match of text.matchAll(urlPattern)) {
    const trimmed = match[0].replace(/[.,;:!?]+$/, '');
    const info = recogniseLink(trimmed);
    if (info && !seen.has(info.url)) {
      seen.add(info.url);
      out.push(info);
    }
  }
  return out;
}
