import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WebSocket } from 'ws';
import {
  decodeServerMessage,
  encodeClientMessage,
  encodeDocFrame,
  type ClientMessage,
  type ServerMessage,
} from '@desk/protocol';
import { loadConfig } from '../config/config.ts';
import { AccessEvents } from '../access/AccessEvents.ts';
import { openSqlite, type SqliteDatabase } from '../db/Database.ts';
import { migrate } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import { InProcessJobLease } from '../lifecycle/JobLease.ts';
import { ShutdownHooks } from '../lifecycle/ShutdownHooks.ts';
import { createLogger } from '../log/logger.ts';
import { HeavyYjs } from '../offthread/HeavyYjs.ts';
import { heavyWorkerCode } from '../worker/heavyWorkerCode.ts';
import type { ServerContext } from '../ServerContext.ts';
import { SqliteDocStore } from '../store/SqliteDocStore.ts';
import { DocRooms } from '../sync/DocRooms.ts';
import { InProcessFanOut } from '../sync/FanOut.ts';
import type { SocketConnection } from '../sync/SocketConnection.ts';
import type { SyncAuth } from '../sync/SyncAuth.ts';
import type { SyncConnectionServices } from '../sync/SyncConnection.ts';
import { defaultSyncLimits, type SyncLimits } from '../sync/SyncLimits.ts';
import type { SyncSocket } from '../sync/SyncSocket.ts';
import { UpdatePipeline } from '../sync/UpdatePipeline.ts';

/**
 * The transport as a connection sees it, with the network played by the test: what the
 * server sends is recorded, the send buffer's fill is set by hand (backpressure), and
 * `onWritten` runs on the next microtask, as `ws` calls it once the kernel took the bytes.
 */
export class FakeSyncSocket implements SyncSocket {
  readonly frames: Uint8Array[] = [];
  bufferedAmount = 0;
  isOpen = true;
  closedWith: { code: number; reason: string } | null = null;
  terminated = false;
  pings = 0;

  send(frame: Uint8Array, onWritten?: () => void): void {
    if (!this.isOpen) return;
    this.frames.push(frame);
    if (onWritten) queueMicrotask(onWritten);
  }

  close(code: number, reason: string): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.closedWith = { code, reason };
  }

  terminate(): void {
    this.isOpen = false;
    this.terminated = true;
  }

  ping(): void {
    this.pings++;
  }

  /** Every frame sent so far, decoded as a `/sync` server message. */
  messages(): ServerMessage[] {
    return this.frames.map((frame) => decodeServerMessage(frame));
  }
}

/** A client message as the bytes `ws` hands a connection. */
export function clientFrame(message: ClientMessage): Buffer {
  return Buffer.from(encodeClientMessage(message));
}

/** A doc frame carrying a y-protocols message, as `ws` hands it on. */
export function docFrame(docId: string, payload: Uint8Array): Buffer {
  return Buffer.from(encodeDocFrame(docId, payload));
}

/**
 * The sync core without sockets: a real SQLite store in a temporary directory, the rooms
 * and the write pipeline wired as `SyncEngine` wires them, and the services a connection
 * is given. `forgotten` lists the connections that ended.
 */
export interface SyncCore {
  readonly db: SqliteDatabase;
  readonly store: SqliteDocStore;
  readonly rooms: DocRooms;
  readonly pipeline: UpdatePipeline;
  readonly limits: SyncLimits;
  readonly services: SyncConnectionServices;
  readonly forgotten: SocketConnection[];
  close(): void;
}

export function openSyncCore(auth: SyncAuth, limits: Partial<SyncLimits> = {}): SyncCore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-sync-core-'));
  const db = openSqlite(path.join(dir, 'desk.sqlite'));
  migrate(db, migrations);
  const store = new SqliteDocStore(db);
  const log = createLogger('silent');
  const all = { ...defaultSyncLimits, ...limits };
  const rooms = new DocRooms(store, all, log, Date.now);
  const pipeline = new UpdatePipeline(
    store,
    new InProcessFanOut(),
    log,
    (room) => rooms.considerCompaction(room),
    (_room, error) => {
      throw error;
    },
    (docId) => rooms.get(docId),
  );
  const forgotten: SocketConnection[] = [];
  return {
    db,
    store,
    rooms,
    pipeline,
    limits: all,
    services: {
      rooms,
      pipeline,
      limits: all,
      auth,
      log,
      now: Date.now,
      store,
      forget: (connection) => forgotten.push(connection),
      socketClosed: () => {},
    },
    forgotten,
    close() {
      rooms.unloadAll();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A server context for a `SyncEngine` in a unit test: a real SQLite file, a silent log,
 * access events the test emits, and every Yjs job run inline (no worker thread).
 */
export function openTestServerContext(): { ctx: ServerContext; close(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-sync-engine-'));
  const db = openSqlite(path.join(dir, 'desk.sqlite'));
  migrate(db, migrations);
  const log = createLogger('silent');
  const ctx: ServerContext = {
    config: loadConfig({}),
    db,
    log,
    shutdown: new ShutdownHooks(log),
    access: new AccessEvents(),
    jobLease: new InProcessJobLease(),
    offThread: new HeavyYjs(log, heavyWorkerCode, Number.POSITIVE_INFINITY),
    now: Date.now,
  };
  return {
    ctx,
    close() {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const OPEN = 1;
const CLOSED = 3;

/**
 * The few members of a `ws` WebSocket that `WsSyncSocket` uses, for the engine's own
 * tests: frames sent are recorded, a close is answered by the 'close' event as a peer that
 * completes the handshake would, and the test delivers client frames with `receive`.
 */
export class FakeWebSocket extends EventEmitter {
  readonly CONNECTING = 0;
  readonly OPEN = OPEN;
  readyState = OPEN;
  binaryType = 'nodebuffer';
  bufferedAmount = 0;
  readonly frames: Uint8Array[] = [];
  closedWith: { code: number; reason: string } | null = null;

  send(frame: Uint8Array, _options: unknown, onWritten?: () => void): void {
    this.frames.push(frame);
    if (onWritten) queueMicrotask(onWritten);
  }

  close(code: number, reason: string): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.closedWith = { code, reason };
    queueMicrotask(() => this.emit('close', code, Buffer.from(reason)));
  }

  terminate(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    queueMicrotask(() => this.emit('close', 1006, Buffer.alloc(0)));
  }

  ping(): void {}

  /** A binary frame from the client. */
  receive(frame: Uint8Array): void {
    this.emit('message', Buffer.from(frame), true);
  }

  messages(): ServerMessage[] {
    return this.frames.map((frame) => decodeServerMessage(frame));
  }

  /** As the engine takes it: a `ws` WebSocket (only the members above are used). */
  asWebSocket(): WebSocket {
    return this as unknown as WebSocket;
  }
}
