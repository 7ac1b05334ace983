/**
 * Whether a suite that needs a real part (a browser, a built app) may run here. On a
 * developer's machine a missing part skips the suite with a notice; under CI it fails the
 * run, because a green CI run with nothing tested would lie.
 */

/** A part a suite needs that is not here, and how to get it. */
export interface MissingPart {
  readonly what: string;
  readonly howToGet: string;
}

export type SuiteVerdict =
  | { readonly kind: 'run' }
  | { readonly kind: 'skip'; readonly notice: string }
  | { readonly kind: 'fail'; readonly error: MissingPartsError };

/** Thrown in a suite's setup under CI when a part it needs is missing. */
export class MissingPartsError extends Error {
  readonly code = 'missing_parts';
  constructor(
    readonly suite: string,
    readonly missing: readonly MissingPart[],
  ) {
    super(
      `${suite}: cannot run under CI, ${missing.map((p) => `${p.what} (${p.howToGet})`).join('; ')}`,
    );
    this.name = 'MissingPartsError';
  }
}

/** CI sets CI=true (GitHub, GitLab, .ci/run); "false" and "0" mean a local run. */
export function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

export function suiteVerdict(
  suite: string,
  missing: readonly MissingPart[],
  env: Readonly<Record<string, string | undefined>>,
): SuiteVerdict {
  if (missing.length === 0) return { kind: 'run' };
  if (isCi(env)) return { kind: 'fail', error: new MissingPartsError(suite, missing) };
  const notice = `${suite}: skipped, ${missing.map((p) => `${p.what} (${p.howToGet})`).join('; ')}`;
  return { kind: 'skip', notice };
}
