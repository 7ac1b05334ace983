import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { until } from '@desk/protocol/testing';
import { WsSyncSocket } from './SyncSocket.ts';
import { binaryFrame, directSocketOf, maxPreframedBytes } from './wsFrame.ts';

// Frames written straight to the socket must read, at a stock `ws` client, exactly as the
// frames `ws.send` writes, in the order they were sent. A real server and client on
// loopback: the client's own parser is the judge.

interface Pair {
  readonly server: WebSocket;
  readonly received: Buffer[];
  readonly client: WebSocket;
}

let wss: WebSocketServer;
let pairs: Pair[];

beforeEach(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  pairs = [];
});

afterEach(async () => {
  for (const pair of pairs) pair.client.terminate();
  await new Promise((resolve) => wss.close(resolve));
});

async function connect(): Promise<Pair> {
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const received: Buffer[] = [];
  client.on('message', (data: Buffer, isBinary: boolean) => {
    expect(isBinary).toBe(true);
    received.push(data);
  });
  const server = await accepted;
  await new Promise((resolve) => client.once('open', resolve));
  const pair = { server, received, client };
  pairs.push(pair);
  return pair;
}

const bytes = (length: number, seed: number) =>
  Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

describe('binaryFrame', () => {
  it('frames every length class as a stock client reads it: 7-bit, 16-bit and 64-bit lengths', async () => {
    const { server, received } = await connect();
    const socket = directSocketOf(server)!;
    const lengths = [0, 1, 125, 126, 127, 0xffff, 0x10000, 0x10001];
    lengths.forEach((length, i) => socket.write(binaryFrame(bytes(length, i))));
    await until(() => received.length === lengths.length, 'every frame read');
    // Buffer.equals: a deep toEqual walks 64 KiB element by element.
    lengths.forEach((length, i) => expect(received[i]!.equals(bytes(length, i))).toBe(true));
  });
});

describe('WsSyncSocket.send', () => {
  it('writes small messages as whole frames, in order with the frames ws writes (large ones, flow-controlled ones)', async () => {
    const { server, received } = await connect();
    const socket = new WsSyncSocket(server);
    let written = 0;
    const sent = [
      bytes(10, 1),
      bytes(maxPreframedBytes + 1, 2), // through ws.send
      bytes(200, 3),
      bytes(300, 4), // with onWritten: through ws.send
      bytes(5, 5),
    ];
    sent.forEach((message, i) => socket.send(message, i === 3 ? () => written++ : undefined));
    await until(() => received.length === sent.length, 'every message read');
    sent.forEach((message, i) => expect(received[i]!.equals(message)).toBe(true));
    expect(written).toBe(1);
  });

  it('sends one message to several sockets and each reads it whole, between other messages', async () => {
    const members = [await connect(), await connect(), await connect()];
    const sockets = members.map((member) => new WsSyncSocket(member.server));
    const broadcast = bytes(64, 7);
    sockets[1]!.send(bytes(3, 8)); // a frame of another message in between
    for (const socket of sockets) socket.send(broadcast);
    sockets[1]!.send(bytes(4, 9));
    await until(() => members.every((member) => member.received.length > 0), 'every socket read');
    await until(() => members[1]!.received.length === 3, 'the second socket read all three');
    expect(members[0]!.received).toEqual([Buffer.from(broadcast)]);
    expect(members[1]!.received).toEqual([
      Buffer.from(bytes(3, 8)),
      Buffer.from(broadcast),
      Buffer.from(bytes(4, 9)),
    ]);
    expect(members[2]!.received).toEqual([Buffer.from(broadcast)]);
  });

  it('hands the frames of one turn to a socket to the kernel together, once the turn ends', async () => {
    const { server, received } = await connect();
    const socket = new WsSyncSocket(server);
    const raw = directSocketOf(server)!;
    const sent = [bytes(20, 1), bytes(30, 2), bytes(maxPreframedBytes + 1, 3), bytes(40, 4)];
    for (const message of sent) socket.send(message);
    // Still held (one writev later), with ws's own large frame among them in order.
    expect(raw.writableCorked).toBe(1);
    expect(raw.writableLength).toBeGreaterThan(maxPreframedBytes);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(raw.writableCorked).toBe(0);
    await until(() => received.length === sent.length, 'every message read');
    sent.forEach((message, i) => expect(received[i]!.equals(message)).toBe(true));
  });

  it('writes nothing once the socket is closing, and the close still reaches the client', async () => {
    const { server, received, client } = await connect();
    const socket = new WsSyncSocket(server);
    const closed = new Promise<number>((resolve) => client.once('close', resolve));
    socket.send(bytes(8, 1));
    socket.close(4000, 'bye');
    socket.send(bytes(8, 2));
    expect(await closed).toBe(4000);
    expect(received).toEqual([Buffer.from(bytes(8, 1))]);
  });
});
