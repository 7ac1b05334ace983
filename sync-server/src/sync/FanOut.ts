/**
 * The seam between server processes. An update persisted by one process must reach the
 * subscribers connected to the others; with one process there is nobody else, so the
 * in-process fan-out does nothing and the local room's broadcast is the whole story. A
 * Redis implementation publishes here and feeds `onRemoteUpdate` from its subscription.
 */
export interface FanOut {
  /** An update this process stored and broadcast locally. */
  publishUpdate(docId: string, update: Uint8Array): void;
  /** Updates stored by other processes; the engine applies and broadcasts them locally. */
  onRemoteUpdate(handler: (docId: string, update: Uint8Array) => void): void;
  close(): Promise<void>;
}

export class InProcessFanOut implements FanOut {
  publishUpdate(): void {}
  onRemoteUpdate(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}
