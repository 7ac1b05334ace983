import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { detectContentType, dispositionOf, isRefusedType } from './contentType.ts';

const text = (s: string) => new TextEncoder().encode(s);

describe('detectContentType', () => {
  it('knows an image by its magic bytes', async () => {
    const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    expect(await detectContentType(png)).toBe('image/png');
  });

  it('calls markup a page, an SVG or XML, whatever it is named', async () => {
    expect(await detectContentType(text('<!DOCTYPE html><p>hi'))).toBe('text/html');
    expect(await detectContentType(text('\uFEFF  <div onclick="x()">'))).toBe('text/html');
    expect(await detectContentType(text('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe(
      'image/svg+xml',
    );
    expect(await detectContentType(text('<?xml version="1.0"?><svg xmlns="x"></svg>'))).toBe(
      'image/svg+xml',
    );
    expect(await detectContentType(text('<?xml version="1.0"?><note/>'))).toBe('application/xml');
  });

  it('tells plain text from unknown binary bytes', async () => {
    expect(await detectContentType(text('Printer on floor 3 is out of toner. ✓'))).toBe(
      'text/plain',
    );
    expect(await detectContentType(Uint8Array.from([1, 2, 0, 3, 250]))).toBe(
      'application/octet-stream',
    );
  });

  it('knows a Windows program by its MZ header and refuses it', async () => {
    const exe = new Uint8Array(512);
    exe.set([0x4d, 0x5a]);
    const type = await detectContentType(exe);
    expect(type).toBe('application/x-msdownload');
    expect(isRefusedType(type)).toBe(true);
  });
});

describe('dispositionOf', () => {
  it('shows media and PDF inline and nothing else', () => {
    for (const type of ['image/png', 'image/jpeg', 'video/mp4', 'audio/mpeg', 'application/pdf']) {
      expect(dispositionOf(type)).toBe('inline');
    }
    for (const type of ['text/html', 'image/svg+xml', 'application/xml', 'text/plain', 'x/y']) {
      expect(dispositionOf(type)).toBe('download');
    }
  });
});
