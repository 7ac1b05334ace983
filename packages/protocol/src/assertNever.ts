/**
 * The default branch of an exhaustive `switch`: the compiler proves it unreachable, and if
 * a value the types did not allow arrives anyway (a newer peer), it fails loudly with `what`.
 */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value) ?? String(value)}`);
}
