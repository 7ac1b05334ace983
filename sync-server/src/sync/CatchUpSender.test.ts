import { describe, expect, it } from 'vitest';
import { CatchUpSender, type CatchUpJob } from './CatchUpSender.ts';
import type { SyncSocket } from './SyncSocket.ts';

/** A socket whose writes complete only when the test says so. */
class HeldSocket implements SyncSocket {
  readonly sent: Uint8Array[] = [];
  readonly #unwritten: (() => void)[] = [];
  bufferedAmount = 0;
  isOpen = true;
  send(frame: Uint8Array, onWritten?: () => void): void {
    this.sent.push(frame);
    if (onWritten) this.#unwritten.push(onWritten);
  }
  /** The kernel takes the oldest frame still waiting. */
  writeOne(): void {
    this.#unwritten.shift()?.();
  }
  close(): void {}
  terminate(): void {}
  ping(): void {}
}

function job(
  bytes: number,
  piece: number,
  state: { live: boolean; built: number; failed: unknown[] },
  produce?: () => Promise<Uint8Array>,
): CatchUpJob {
  return {
    live: () => state.live,
    produce: () => {
      state.built++;
      return produce ? produce() : new Uint8Array(bytes);
    },
    frames: function* (payload) {
      for (let offset = 0; offset < payload.byteLength; offset += piece) {
        yield payload.subarray(offset, offset + piece);
      }
    },
    failed: (err) => state.failed.push(err),
  };
}

describe('CatchUpSender', () => {
  it('CHUNK-4 writes the next piece only once the socket has taken the earlier ones', () => {
    const socket = new HeldSocket();
    const sender = new CatchUpSender(socket, 100);
    sender.add(job(1000, 100, { live: true, built: 0, failed: [] }));
    expect(socket.sent).toHaveLength(1);
    expect(sender.inFlight).toBe(100);
    socket.writeOne();
    expect(socket.sent).toHaveLength(2);
    for (let i = 0; i < 20; i++) socket.writeOne();
    expect(socket.sent).toHaveLength(10);
    expect(sender.idle).toBe(true);
  });

  it('CHUNK-4 builds each message when its turn comes, so one is held at a time', () => {
    const socket = new HeldSocket();
    const sender = new CatchUpSender(socket, 100);
    const first = { live: true, built: 0, failed: [] };
    const second = { live: true, built: 0, failed: [] };
    sender.add(job(300, 100, first));
    sender.add(job(300, 100, second));
    expect([first.built, second.built]).toEqual([1, 0]);
    for (let i = 0; i < 3; i++) socket.writeOne();
    expect(second.built).toBe(1);
  });

  it('CHUNK-2 drops the rest of a send whose subscription ended, and goes on with the next', () => {
    const socket = new HeldSocket();
    const sender = new CatchUpSender(socket, 100);
    const ended = { live: true, built: 0, failed: [] };
    sender.add(job(1000, 100, ended));
    sender.add(job(200, 100, { live: true, built: 0, failed: [] }));
    ended.live = false;
    socket.writeOne();
    socket.writeOne();
    socket.writeOne();
    expect(socket.sent.map((frame) => frame.byteLength)).toEqual([100, 100, 100]);
    expect(sender.idle).toBe(true);
  });

  it('CHUNK-4 waits for a message built off the event loop, and reports one that failed', async () => {
    const socket = new HeldSocket();
    const sender = new CatchUpSender(socket, 100);
    const broken = { live: true, built: 0, failed: [] as unknown[] };
    let resolve: (bytes: Uint8Array) => void = () => undefined;
    sender.add(job(0, 100, broken, () => Promise.reject(new Error('worker failed'))));
    sender.add(
      job(0, 100, { live: true, built: 0, failed: [] }, () => new Promise((r) => (resolve = r))),
    );
    await Promise.resolve();
    await Promise.resolve();
    expect(broken.failed).toHaveLength(1);
    expect(socket.sent).toHaveLength(0);
    resolve(new Uint8Array(150));
    await Promise.resolve();
    expect(socket.sent).toHaveLength(1);
  });
});
