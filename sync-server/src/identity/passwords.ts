import { createRequire } from 'node:module';
import type * as Argon2 from '@node-rs/argon2';
import type { Algorithm } from '@node-rs/argon2';
import { ErrorCode, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@desk/protocol';
import { AppError } from '../http/AppError.ts';
import { isCommonPassword } from './commonPasswords.ts';

/**
 * argon2id with OWASP's first recommended parameters: 19 MiB of memory, 2 passes, 1 lane.
 * `Algorithm` is a const enum in the package's types, which isolated modules cannot read;
 * 2 is its `Argon2id` member.
 */
const argon2Options = {
  algorithm: 2 as Algorithm,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * The native argon2 module, required on the first password hashed or checked rather than
 * at start: an idle server that has not seen a login does not hold it (~3 MiB resident;
 * issue 13's idle-RSS target). `require`, not `import()`: the compiled server loads its
 * CommonJS dependencies that way (see scripts/buildServer.ts).
 */
let argon2: typeof Argon2 | null = null;
const loadArgon2 = () =>
  (argon2 ??= createRequire(import.meta.url)('@node-rs/argon2') as typeof Argon2);

export function hashPassword(password: string): Promise<string> {
  return loadArgon2().hash(password, argon2Options);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await loadArgon2().verify(passwordHash, password);
  } catch {
    // A malformed stored hash is a failed login, not a crash.
    return false;
  }
}

/**
 * A hash of a random password, verified against when the account does not exist, so
 * "no such user" takes as long as "wrong password" (no account enumeration by timing).
 */
let decoyHash: Promise<string> | null = null;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(crypto.randomUUID());
  return decoyHash;
}

/** Throws `weak_password` (field `field`) unless the password meets the policy. */
export function assertPasswordAcceptable(password: string, field = 'password'): void {
  const problem = passwordProblem(password);
  if (problem) {
    throw new AppError(ErrorCode.weakPassword, 400, problem, { fields: { [field]: problem } });
  }
}

export function passwordProblem(password: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  }
  if (isCommonPassword(password)) {
    return 'This password is one of the most common ones and easy to guess. Choose another.';
  }
  return null;
}
