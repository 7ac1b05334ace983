import { describe, expect, it } from 'vitest';
import { looksLikeEmail, normalizeEmail } from './index.ts';

describe('normalizeEmail', () => {
  it('trims and lower-cases the domain, so one mailbox has one spelling', () => {
    expect(normalizeEmail('  Ana@Example.COM ')).toBe('Ana@example.com');
  });

  it('keeps the local part’s case (RFC 5321 lets a server tell them apart)', () => {
    expect(normalizeEmail('Ana.Lopez@example.com')).not.toBe(
      normalizeEmail('ana.lopez@example.com'),
    );
  });

  it('splits at the last @ (a quoted local part may hold one)', () => {
    expect(normalizeEmail('"a@b"@Example.com')).toBe('"a@b"@example.com');
  });

  it('leaves a value without @ as typed, trimmed (the shape check refuses it)', () => {
    expect(normalizeEmail(' not-an-address ')).toBe('not-an-address');
  });
});

describe('looksLikeEmail', () => {
  it('takes something@domain.tld', () => {
    expect(looksLikeEmail('ana@example.com')).toBe(true);
    expect(looksLikeEmail('a.b+tag@mail.example.co.uk')).toBe(true);
  });

  it('refuses a missing @, a domain without a dot, spaces and more than 254 characters', () => {
    expect(looksLikeEmail('ana.example.com')).toBe(false);
    expect(looksLikeEmail('ana@localhost')).toBe(false);
    expect(looksLikeEmail('ana lopez@example.com')).toBe(false);
    expect(looksLikeEmail(`${'a'.repeat(243)}@example.com`)).toBe(false);
    expect(looksLikeEmail(`${'a'.repeat(242)}@example.com`)).toBe(true);
  });
});
