import * as Y from 'yjs';
import { SampleBuffer } from './stats.ts';

/**
 * Measures fan-out latency: time from a client sending an update to every other client
 * receiving it. All clients live in this process, so one monotonic clock serves both ends.
 * Updates are identified by (clientID, clock) (see WritingDoc), read from each received
 * update with `Y.parseUpdateMeta`, which works on whatever the server sends: the original
 * bytes (relay), a re-encoded update (Yjs servers) or several merged into one.
 */
export class LatencyRecorder {
  /** sentAt[clientID][clock] in ms; NaN for writes outside the measuring window. */
  private readonly sentAt = new Map<number, number[]>();
  readonly samples = new SampleBuffer();
  /** Writes sent while measuring, and how many receivers each should reach. */
  measuredSends = 0;
  expectedDeliveries = 0;
  deliveries = 0;
  /** Measured writes that came back to their own sender (a server that echoes). */
  echoes = 0;
  measuring = false;

  markSent(clientID: number, clock: number, receivers: number, at: number): void {
    let list = this.sentAt.get(clientID);
    if (!list) this.sentAt.set(clientID, (list = []));
    list[clock] = this.measuring ? at : NaN;
    if (this.measuring) {
      this.measuredSends++;
      this.expectedDeliveries += receivers;
    }
  }

  /** Records every measured write carried by `update`, received by `receiverID` at `at`. */
  received(receiverID: number, update: Uint8Array, at: number): void {
    const meta = Y.parseUpdateMeta(update);
    for (const [client, from] of meta.from) {
      const list = this.sentAt.get(client);
      if (!list) continue;
      const to = meta.to.get(client) ?? from;
      if (client === receiverID) {
        // Some servers echo to the sender: counted, never a latency sample.
        for (let clock = from; clock < to; clock++) {
          const sent = list[clock];
          if (sent !== undefined && !Number.isNaN(sent)) this.echoes++;
        }
        continue;
      }
      for (let clock = from; clock < to; clock++) {
        const sent = list[clock];
        if (sent === undefined || Number.isNaN(sent)) continue;
        this.samples.push(at - sent);
        this.deliveries++;
      }
    }
  }
}
