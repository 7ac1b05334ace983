import { CloseCode, MessageType, PROTOCOL_VERSION } from '@desk/protocol';
import type { ServerMessage } from '@desk/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeSocket } from '../testing/FakeSocket.ts';
import { ManualClock } from '../testing/ManualClock.ts';
import type { Clock } from './Clock.ts';
import { Connection } from './Connection.ts';

const welcome = {
  type: MessageType.welcome,
  protocolVersion: PROTOCOL_VERSION,
  generation: 'g1',
  userId: 'u1',
} as const;

interface SetupOptions {
  stableAfterMs?: number;
  /** Heartbeat interval and timeout; off (interval 0) unless a test is about it. */
  heartbeat?: { intervalMs: number; timeoutMs: number };
  clock?: Clock & Pick<ManualClock, 'advance' | 'pendingDelays'>;
  /** What the device says of its network (`navigator.onLine`); online unless given. */
  device?: { online: boolean };
}

function setup(options: SetupOptions = {}) {
  const clock = options.clock ?? new ManualClock();
  const events: string[] = [];
  const messages: ServerMessage[] = [];
  const connection = new Connection({
    url: 'ws://test/sync',
    WebSocket: FakeSocket,
    clock,
    backoff: { baseMs: 1000, maxMs: 30_000, minMs: 100, random: () => 1 },
    stableAfterMs: options.stableAfterMs ?? 10_000,
    heartbeatIntervalMs: options.heartbeat?.intervalMs ?? 0,
    heartbeatTimeoutMs: options.heartbeat?.timeoutMs ?? 5000,
    ...(options.device ? { isOnline: () => options.device?.online ?? true } : {}),
    onReady: (w) => events.push(`ready:${w.generation}`),
    onMessage: (m) => messages.push(m),
    onDown: () => events.push('down'),
    onStateChange: () => undefined,
  });
  connection.start();
  return { clock, connection, events, messages };
}

/** The connection creates its socket after resolving the URL (a microtask). */
async function nextSocket(): Promise<FakeSocket> {
  const before = FakeSocket.created.length;
  for (let i = 0; i < 10 && FakeSocket.created.length === before; i++) await Promise.resolve();
  return FakeSocket.last();
}

beforeEach(() => {
  FakeSocket.created = [];
});

describe('Connection', () => {
  it('sends hello first and becomes ready on the welcome', async () => {
    const { connection, events } = setup();
    const socket = await nextSocket();
    expect(connection.state.kind).toBe('connecting');
    socket.open();
    expect(socket.sent).toEqual([{ type: MessageType.hello, protocolVersion: PROTOCOL_VERSION }]);
    expect(socket.binaryType).toBe('arraybuffer');
    socket.receive(welcome);
    expect(connection.state.kind).toBe('ready');
    expect(events).toEqual(['ready:g1']);
  });

  it('passes frames on only after the welcome', async () => {
    const { messages } = setup();
    const socket = await nextSocket();
    socket.open();
    socket.receive({ type: MessageType.ack, docId: 'w:index', count: 1 });
    expect(messages).toEqual([]);
    socket.receive(welcome);
    socket.receive({ type: MessageType.ack, docId: 'w:index', count: 2 });
    expect(messages).toEqual([{ type: MessageType.ack, docId: 'w:index', count: 2 }]);
  });

  it('CONN-6 reconnects after a restart (1012) with growing delays while attempts keep failing', async () => {
    const { clock, connection, events } = setup();
    let socket = await nextSocket();
    socket.open();
    socket.receive(welcome);
    socket.serverClose(CloseCode.serverRestarting);
    expect(events).toEqual(['ready:g1', 'down']);
    expect(connection.state.kind).toBe('waiting');
    expect(clock.pendingDelays()).toEqual([1000]);
    expect(connection.offlineSince).toBe(clock.now());

    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      clock.advance(clock.pendingDelays()[0]!);
      socket = await nextSocket();
      socket.serverClose(1006); // the server is still down
      delays.push(clock.pendingDelays()[0]!);
    }
    expect(delays).toEqual([2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(FakeSocket.created).toHaveLength(8);
  });

  it('starts from the base delay again after a stable connection', async () => {
    const { clock } = setup({ stableAfterMs: 10_000 });
    let socket = await nextSocket();
    socket.serverClose(1006);
    clock.advance(clock.pendingDelays()[0]!);
    socket = await nextSocket();
    socket.serverClose(1006);
    expect(clock.pendingDelays()).toEqual([2000]);
    clock.advance(2000);
    socket = await nextSocket();
    socket.open();
    socket.receive(welcome);
    clock.advance(10_000);
    socket.serverClose(CloseCode.serverRestarting);
    expect(clock.pendingDelays()).toEqual([1000]);
  });

  it.each([
    CloseCode.unauthenticated,
    CloseCode.sessionRevoked,
    CloseCode.foreignOrigin,
    CloseCode.protocolVersion,
  ])('stops for good on final close code %i and keeps the server’s reason', async (code) => {
    const { clock, connection } = setup();
    const socket = await nextSocket();
    socket.open();
    socket.receive(welcome);
    socket.receive({ type: MessageType.error, code, message: 'because' });
    socket.serverClose(code, '');
    expect(connection.state).toEqual({ kind: 'stopped', error: { code, message: 'because' } });
    expect(clock.pendingDelays()).toEqual([]);
  });

  it.each([
    CloseCode.malformedFrame,
    CloseCode.authQueueExceeded,
    CloseCode.messageTooLarge,
    CloseCode.slowConsumer,
    CloseCode.internalError,
  ])('retries after close code %i', async (code) => {
    const { clock, connection } = setup();
    const socket = await nextSocket();
    socket.open();
    socket.receive(welcome);
    socket.serverClose(code);
    expect(connection.state.kind).toBe('waiting');
    expect(clock.pendingDelays()).toHaveLength(1);
  });

  it('closes with 4400 on a frame it cannot decode', async () => {
    setup();
    const socket = await nextSocket();
    socket.open();
    socket.receive(welcome);
    socket.receiveBytes(new Uint8Array([250, 1, 2]));
    expect(socket.closedWith).toBe(CloseCode.malformedFrame);
  });

  it('CHUNK-1 hands on a message sent in docChunk pieces once, whole, as a doc message', async () => {
    const { messages } = setup();
    const socket = await nextSocket();
    socket.open();
    socket.receive(welcome);
    const payload = Uint8Array.from({ length: 250 }, (_, i) => i);
    const piece = (offset: number) =>
      ({
        type: MessageType.docChunk,
        docId: 'w:index',
        total: payload.length,
        offset,
        bytes: payload.subarray(offset, offset + 100),
      }) as const;
    socket.receive(piece(0));
    socket.receive({ type: MessageType.ack, docId: 'w:index', count: 1 });
    socket.receive(piece(100));
    expect(messages).toEqual([{ type: MessageType.ack, docId: 'w:index', count: 1 }]);
    socket.receive(piece(200));
    expect(messages[1]).toEqual({ type: MessageType.doc, docId: 'w:index', payload });
  });

  it('CHUNK-2 closes with 4400 on a piece that does not continue its message', async () => {
    setup();
    const socket = await nextSocket();
    socket.open();
    socket.receive(welcome);
    const bytes = new Uint8Array(10);
    socket.receive({ type: MessageType.docChunk, docId: 'w:index', total: 30, offset: 10, bytes });
    expect(socket.closedWith).toBe(CloseCode.malformedFrame);
  });

  it('CONN-6 stops when the server speaks another protocol version', async () => {
    const { connection } = setup();
    const socket = await nextSocket();
    socket.open();
    socket.receive({ ...welcome, protocolVersion: PROTOCOL_VERSION + 1 });
    expect(socket.closedWith).toBe(CloseCode.protocolVersion);
    expect(connection.state).toMatchObject({ kind: 'stopped', error: { code: 4409 } });
  });

  it('connects at once when asked, skipping the backoff delay', async () => {
    const { clock, connection } = setup();
    const socket = await nextSocket();
    socket.serverClose(1006);
    expect(clock.pendingDelays()).toHaveLength(1);
    connection.connectNow();
    await nextSocket();
    expect(FakeSocket.created).toHaveLength(2);
    // Only the new socket's welcome deadline is left; the backoff timer is gone.
    expect(clock.pendingDelays()).toEqual([15_000]);
  });

  it('gives up on a socket that never sends the welcome and tries again', async () => {
    const { clock, connection } = setup();
    const socket = await nextSocket();
    socket.open();
    expect(clock.pendingDelays()).toEqual([15_000]);
    clock.advance(15_000);
    expect(socket.closedWith).toBe(CloseCode.normal);
    expect(connection.state.kind).toBe('waiting');
    clock.advance(clock.pendingDelays()[0]!);
    await nextSocket();
    expect(FakeSocket.created).toHaveLength(2);
  });

  it('ignores events of a socket it abandoned', async () => {
    const { connection, events } = setup();
    const socket = await nextSocket();
    socket.open();
    socket.receive(welcome);
    connection.stop();
    socket.serverClose(CloseCode.serverRestarting);
    expect(connection.state).toEqual({ kind: 'stopped' });
    expect(events).toEqual(['ready:g1', 'down']);
  });
});

describe('Connection heartbeat (half-open networks)', () => {
  const heartbeat = { intervalMs: 5000, timeoutMs: 4000 };
  const pings = (socket: FakeSocket) => socket.sent.filter((m) => m.type === MessageType.ping);

  async function welcomed(options: SetupOptions = {}) {
    const setupResult = setup({ heartbeat, ...options });
    const socket = await nextSocket();
    socket.open();
    socket.receive(welcome);
    return { ...setupResult, socket };
  }

  it('FLOW-3 pings every interval once welcomed, and never before the welcome', async () => {
    const { clock } = setup({ heartbeat });
    const socket = await nextSocket();
    socket.open();
    clock.advance(heartbeat.intervalMs);
    expect(pings(socket)).toEqual([]);
    socket.receive(welcome);
    clock.advance(heartbeat.intervalMs);
    expect(pings(socket)).toEqual([{ type: MessageType.ping, nonce: 1 }]);
    socket.receive({ type: MessageType.pong, nonce: 1 });
    clock.advance(heartbeat.intervalMs);
    expect(pings(socket).map((m) => m.type === MessageType.ping && m.nonce)).toEqual([1, 2]);
  });

  it('keeps the socket while pongs come back, and hands pongs to nobody', async () => {
    const { clock, connection, socket, messages, events } = await welcomed();
    for (let i = 1; i <= 5; i++) {
      clock.advance(heartbeat.intervalMs);
      socket.receive({ type: MessageType.pong, nonce: i });
    }
    expect(pings(socket)).toHaveLength(5);
    expect(connection.state.kind).toBe('ready');
    expect(socket.closedWith).toBeNull();
    expect(messages).toEqual([]);
    expect(events).toEqual(['ready:g1']);
  });

  it('FLOW-3 counts any frame from the server as an answer (a pong may queue behind a long first sync)', async () => {
    const { clock, connection, socket } = await welcomed();
    clock.advance(heartbeat.intervalMs);
    clock.advance(heartbeat.timeoutMs - 1);
    socket.receive({ type: MessageType.ack, docId: 'w:index', count: 1 });
    clock.advance(1);
    expect(connection.state.kind).toBe('ready');
  });

  it('FLOW-3 abandons a socket that stays silent past the timeout and reconnects with backoff', async () => {
    const { clock, connection, socket, events } = await welcomed();
    clock.advance(heartbeat.intervalMs); // ping
    clock.advance(heartbeat.timeoutMs - 1);
    expect(connection.state.kind).toBe('ready');
    clock.advance(1);
    // Closed by the client itself; the half-open socket would never report its close.
    expect(socket.closedWith).toBe(CloseCode.normal);
    expect(connection.state.kind).toBe('waiting');
    expect(events).toEqual(['ready:g1', 'down']);
    expect(connection.offlineSince).toBe(clock.now());
    // Only the backoff timer is left: no heartbeat timers of the dead socket.
    expect(clock.pendingDelays()).toEqual([1000]);
    clock.advance(1000);
    const next = await nextSocket();
    expect(next).not.toBe(socket);
    next.open();
    next.receive(welcome);
    expect(connection.state.kind).toBe('ready');
  });

  it('pings at once when probed, without moving the deadline of an unanswered ping', async () => {
    const { clock, connection, socket } = await welcomed();
    connection.probe();
    expect(pings(socket)).toHaveLength(1);
    clock.advance(heartbeat.timeoutMs - 1);
    connection.probe();
    expect(pings(socket)).toHaveLength(2);
    clock.advance(1);
    expect(connection.state.kind).toBe('waiting');
  });

  it('gives a late deadline one more chance: the page may not have run (frozen tab, long task)', async () => {
    // A clock whose timers fire on time while now() says it is much later, as after a freeze.
    const manual = new ManualClock();
    let skew = 0;
    const frozen = {
      now: () => manual.now() + skew,
      setTimeout: (callback: () => void, ms: number) => manual.setTimeout(callback, ms),
      clearTimeout: (handle: unknown) => manual.clearTimeout(handle),
      advance: (ms: number) => manual.advance(ms),
      pendingDelays: () => manual.pendingDelays(),
    };
    const { connection, socket } = await welcomed({ clock: frozen });
    connection.probe();
    skew = 60_000; // the deadline fires a minute late
    frozen.advance(heartbeat.timeoutMs);
    expect(connection.state.kind).toBe('ready');
    expect(pings(socket)).toHaveLength(2);
    frozen.advance(heartbeat.timeoutMs); // late again: no second chance
    expect(connection.state.kind).toBe('waiting');
  });

  it('reads an answer that arrived while the page was busy before judging the deadline', async () => {
    // Timers of 0 ms wait for the test, as the next turn of an event loop that first reads
    // the socket.
    const manual = new ManualClock();
    const nextTurn: (() => void)[] = [];
    const clock = {
      now: () => manual.now(),
      setTimeout: (callback: () => void, ms: number): unknown => {
        if (ms > 0) return manual.setTimeout(callback, ms);
        nextTurn.push(callback);
        return callback;
      },
      clearTimeout: (handle: unknown) => {
        if (typeof handle !== 'function') return manual.clearTimeout(handle);
        const index = nextTurn.indexOf(handle as () => void);
        if (index >= 0) nextTurn.splice(index, 1);
      },
      advance: (ms: number) => manual.advance(ms),
      pendingDelays: () => manual.pendingDelays(),
    };
    const { connection, socket } = await welcomed({ clock });
    connection.probe();
    clock.advance(heartbeat.timeoutMs);
    socket.receive({ type: MessageType.pong, nonce: 1 });
    for (const run of nextTurn.splice(0)) run();
    expect(connection.state.kind).toBe('ready');

    connection.probe(); // this time nothing comes back
    clock.advance(heartbeat.timeoutMs);
    for (const run of nextTurn.splice(0)) run();
    expect(connection.state.kind).toBe('waiting');
  });

  it('sends no pings when the heartbeat is off', async () => {
    const { clock, connection, socket } = await welcomed({
      heartbeat: { intervalMs: 0, timeoutMs: 4000 },
    });
    clock.advance(60_000);
    connection.probe();
    expect(pings(socket)).toEqual([]);
    expect(connection.state.kind).toBe('ready');
  });

  it("FLOW-3 abandons the socket at once on the browser's offline event and retries with backoff", async () => {
    const { clock, connection, socket, events } = await welcomed();
    connection.networkLost();
    expect(socket.closedWith).toBe(CloseCode.normal);
    expect(connection.state.kind).toBe('waiting');
    expect(events).toEqual(['ready:g1', 'down']);
    expect(clock.pendingDelays()).toEqual([1000]);
  });

  it('connects at once from the base delay when the network is back', async () => {
    const { clock, connection } = setup({ heartbeat });
    for (let i = 0; i < 3; i++) {
      (await nextSocket()).serverClose(1006);
      clock.advance(clock.pendingDelays()[0]!);
    }
    (await nextSocket()).serverClose(1006);
    expect(clock.pendingDelays()).toEqual([8000]);
    const before = FakeSocket.created.length;
    connection.networkBack();
    const socket = await nextSocket();
    expect(FakeSocket.created).toHaveLength(before + 1);
    socket.serverClose(1006);
    expect(clock.pendingDelays()).toEqual([1000]);
  });

  it('probes a ready socket when the network is back (it may not have survived the change)', async () => {
    const { connection, socket } = await welcomed();
    connection.networkBack();
    expect(pings(socket)).toHaveLength(1);
    expect(FakeSocket.created).toHaveLength(1);
  });
});

describe('Connection while the device has no network', () => {
  it('makes no attempt while the device is offline, and connects once the network is back', async () => {
    const device = { online: false };
    const { clock, connection } = setup({ device });
    await Promise.resolve();
    expect(FakeSocket.created).toEqual([]);
    expect(connection.state).toEqual({ kind: 'waiting' });
    expect(connection.offlineSince).toBe(clock.now());
    expect(clock.pendingDelays()).toEqual([]);

    device.online = true;
    connection.networkBack();
    await nextSocket();
    expect(FakeSocket.created).toHaveLength(1);
    expect(connection.state.kind).toBe('connecting');
  });

  it("waits for the network, not a backoff timer, after the browser's offline event", async () => {
    const device = { online: true };
    const { clock, connection, events } = setup({ device });
    const socket = await nextSocket();
    socket.open();
    socket.receive(welcome);
    device.online = false;
    connection.networkLost();
    expect(socket.closedWith).toBe(CloseCode.normal);
    expect(events).toEqual(['ready:g1', 'down']);
    expect(connection.state).toEqual({ kind: 'waiting' });
    expect(clock.pendingDelays()).toEqual([]);
    clock.advance(10 * 60_000);
    expect(FakeSocket.created).toHaveLength(1);

    device.online = true;
    connection.networkBack();
    await nextSocket();
    expect(FakeSocket.created).toHaveLength(2);
  });

  it('a retry falling due while the device is offline waits for the network instead', async () => {
    const device = { online: true };
    const { clock, connection } = setup({ device });
    (await nextSocket()).serverClose(1006);
    expect(clock.pendingDelays()).toEqual([1000]);
    // The network went away without an event reaching the client (or before it did).
    device.online = false;
    clock.advance(1000);
    await Promise.resolve();
    expect(FakeSocket.created).toHaveLength(1);
    expect(connection.state).toEqual({ kind: 'waiting' });
    expect(clock.pendingDelays()).toEqual([]);
  });

  it('keeps the backoff while the device says it is online though attempts fail', async () => {
    const device = { online: true };
    const { clock } = setup({ device });
    for (const delay of [1000, 2000, 4000]) {
      (await nextSocket()).serverClose(1006);
      expect(clock.pendingDelays()).toEqual([delay]);
      clock.advance(delay);
    }
    await nextSocket();
    expect(FakeSocket.created).toHaveLength(4);
  });
});
