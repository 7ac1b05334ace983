import type * as Y from 'yjs';

interface Registration {
  readonly deep: boolean;
  readonly handler: (...args: never[]) => void;
  /** Told the keys of both maps when the root moved to another doc. */
  readonly switched: (keys: Set<string>) => void;
}

/**
 * A root map of the index doc whose readers survive a move to another generation of the
 * index (SPEC IDX-GEN-2, `WorkspaceIndex.switchTo`): the classes over it read and write the
 * current map, and their observers move with it and are told every key of both maps, so a
 * list re-reads those rows in place (keeping its query, selection and scroll) instead of
 * being built again.
 */
export class SwitchableMap<T> {
  #map: Y.Map<T>;
  readonly #registrations = new Set<Registration>();

  constructor(map: Y.Map<T>) {
    this.#map = map;
  }

  get map(): Y.Map<T> {
    return this.#map;
  }

  /** `map.observe(handler)`; `switched` runs after a move (with the keys of both maps). */
  observe(handler: (event: Y.YMapEvent<T>) => void, switched: (keys: Set<string>) => void) {
    return this.#register({ deep: false, handler: handler as Registration['handler'], switched });
  }

  /** `map.observeDeep(handler)`; `switched` runs after a move (with the keys of both maps). */
  observeDeep(
    handler: (events: Y.YEvent<Y.AbstractType<unknown>>[]) => void,
    switched: (keys: Set<string>) => void,
  ) {
    return this.#register({ deep: true, handler: handler as Registration['handler'], switched });
  }

  /** Moves to `map` (the same root of another doc); observers follow and are told. */
  switchTo(map: Y.Map<T>): void {
    if (map === this.#map) return;
    const before = this.#map;
    for (const registration of this.#registrations) detach(before, registration);
    this.#map = map;
    for (const registration of this.#registrations) attach(map, registration);
    const keys = new Set([...before.keys(), ...map.keys()]);
    for (const registration of [...this.#registrations]) registration.switched(keys);
  }

  #register(registration: Registration): () => void {
    this.#registrations.add(registration);
    attach(this.#map, registration);
    return () => {
      if (!this.#registrations.delete(registration)) return;
      detach(this.#map, registration);
    };
  }
}

function attach<T>(map: Y.Map<T>, { deep, handler }: Registration): void {
  if (deep) map.observeDeep(handler as Parameters<Y.Map<T>['observeDeep']>[0]);
  else map.observe(handler as Parameters<Y.Map<T>['observe']>[0]);
}

function detach<T>(map: Y.Map<T>, { deep, handler }: Registration): void {
  if (deep) map.unobserveDeep(handler as Parameters<Y.Map<T>['unobserveDeep']>[0]);
  else map.unobserve(handler as Parameters<Y.Map<T>['unobserve']>[0]);
}
