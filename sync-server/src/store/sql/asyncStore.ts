/**
 * A store's interface with every method returning a promise: what the control-plane stores
 * look like to callers once PostgreSQL may be behind them (issue 19). `AsyncStore<UserStore>`
 * is the async UserStore; the SQLite classes keep their synchronous interfaces and are
 * wrapped (`asyncStore`), the PostgreSQL ones implement this directly (store/sql/).
 */
export type AsyncStore<T> = {
  readonly [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

/**
 * The synchronous store `sync` behind its async interface. With `inTransaction` each call
 * runs in it (an IMMEDIATE SQLite transaction, `Transactions.write`): a method that reads
 * then writes — count the seats, add the member — is one transaction, as each method of
 * the async stores is. `inTransaction` may also answer later (the server's wrapped stores
 * wait while another caller's seam transaction holds the connection: `SqliteSyncSeam`).
 * A throw (synchronous) becomes a rejection.
 */
export function asyncStore<T extends object>(
  sync: T,
  inTransaction: <R>(work: () => R) => R | Promise<R> = (work) => work(),
): AsyncStore<T> {
  const wrapped: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of methodNames(sync)) {
    const method = (sync as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
    wrapped[name] = (...args) => {
      try {
        return Promise.resolve(inTransaction(() => method.apply(sync, args)));
      } catch (error) {
        return Promise.reject(error);
      }
    };
  }
  return wrapped as unknown as AsyncStore<T>;
}

/** The public methods of a class instance (its prototype chain, not Object's). */
function methodNames(instance: object): string[] {
  const names = new Set<string>();
  for (
    let proto = Object.getPrototypeOf(instance) as object | null;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== 'constructor') names.add(name);
    }
  }
  for (const name of Object.keys(instance)) {
    if (typeof (instance as Record<string, unknown>)[name] === 'function') names.add(name);
  }
  return [...names];
}
