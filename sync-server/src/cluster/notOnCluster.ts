/**
 * A flat field of `Services` that a cluster process must not use: what it would read is the
 * process's own SQLite file, which on a cluster holds none of the shared data (the documents
 * or the seats are PostgreSQL's). Called anyway, it throws this instead of answering from
 * the wrong place.
 */
export class NotOnClusterError extends Error {
  readonly code = 'not_on_cluster';

  constructor(
    readonly field: string,
    readonly member: string,
  ) {
    super(
      `services.${field}.${member}: not on a cluster process — it would read this process's SQLite file; use ${field === 'docStore' ? 'engine.docs' : 'services.control'}`,
    );
    this.name = 'NotOnClusterError';
  }
}

/**
 * Stands in for `field` on a cluster: any method called on it throws `NotOnClusterError`.
 * Not a thenable (awaiting the object itself calls nothing), so it can sit in a field that
 * something spreads or awaits without being used.
 */
export function notOnCluster<T extends object>(field: string): T {
  return new Proxy({} as T, {
    get: (_target, member) =>
      member === 'then' || typeof member === 'symbol'
        ? undefined
        : () => {
            throw new NotOnClusterError(field, member);
          },
  });
}
