import { describe, expect, it } from 'vitest';
import { extractLinks, recogniseLink } from './linkProviders.ts';

describe('link providers', () => {
  it.each([
    ['https://drive.google.com/file/d/1abc/view', 'Google Drive'],
    ['https://docs.google.com/document/d/1abc/edit', 'Google Drive'],
    ['https://1drv.ms/w/s!Abc', 'OneDrive'],
    ['https://onedrive.live.com/?id=123', 'OneDrive'],
    ['https://contoso-my.sharepoint.com/personal/x/Documents/a.docx', 'OneDrive'],
    ['https://www.icloud.com/iclouddrive/0abc#Report', 'iCloud'],
    ['https://www.dropbox.com/s/abc/plan.pdf?dl=0', 'Dropbox'],
    ['https://example.com/page', 'Link'],
  ])('recognises %s as %s', (url, name) => {
    expect(recogniseLink(url)?.providerName).toBe(name);
  });

  it('does not trust a provider name hidden in the path or a look-alike host', () => {
    expect(recogniseLink('https://evil.example/drive.google.com')?.provider).toBe('web');
    expect(recogniseLink('https://dropbox.com.evil.example/x')?.provider).toBe('web');
  });

  it('ignores non-web schemes', () => {
    expect(recogniseLink('javascript:alert(1)')).toBeNull();
  });

  it('finds distinct links in text without trailing punctuation', () => {
    const links = extractLinks(
      'See https://www.dropbox.com/s/a/x.pdf. And https://www.dropbox.com/s/a/x.pdf again',
    );
    expect(links.map((l) => l.url)).toEqual(['https://www.dropbox.com/s/a/x.pdf']);
    expect(links[0]!.label).toBe('x.pdf');
  });
});
