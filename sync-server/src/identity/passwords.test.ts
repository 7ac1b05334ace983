import { describe, expect, it } from 'vitest';
import { normalizeEmail } from '../http/emailAddress/index.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';

describe('password policy', () => {
  it('accepts 10 to 256 characters that are not common', () => {
    expect(passwordProblem('tenletters')).toBeNull();
    expect(passwordProblem('x'.repeat(256))).toBeNull();
    expect(passwordProblem('ninechars')).toMatch(/at least 10/);
    expect(passwordProblem('x'.repeat(257))).toMatch(/at most 256/);
  });

  it('counts characters, not UTF-16 units', () => {
    expect(passwordProblem('🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑')).toBeNull();
  });

  it('rejects the common passwords of the bundled list, ignoring case', () => {
    expect(passwordProblem('1q2w3e4r5t')).toMatch(/common/);
    expect(passwordProblem('QWERTYUIOP')).toMatch(/common/);
  });
});

describe('argon2id hashing', () => {
  it('uses m=19456 KiB, t=2, p=1 and verifies only the right password', async () => {
    const hash = await hashPassword('a long enough passphrase');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'a long enough passphrase')).toBe(true);
    expect(await verifyPassword(hash, 'a long enough passphrasE')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });
});

describe('email normalisation', () => {
  it('trims and lower-cases the domain, keeping the local part', () => {
    expect(normalizeEmail('  Ana.Lima@Example.COM\n')).toBe('Ana.Lima@example.com');
  });
});
