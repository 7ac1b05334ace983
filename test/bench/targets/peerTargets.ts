import { HocuspocusClient } from '../load/HocuspocusClient.ts';
import { YWebsocketClient } from '../load/YWebsocketClient.ts';
import { processCpuMs } from './processCpu.ts';
import { lagProbe, probeMemory, startPeerProcess, stopProcess } from './peerProcess.ts';
import type { RunningTarget, Target } from './Target.ts';

/** The reference y-websocket server, in memory. */
export const yWebsocketTarget: Target = {
  name: 'y-websocket',
  async start() {
    const p = await startPeerProcess('yWebsocketServer.mjs');
    return {
      name: 'y-websocket',
      docId: (scope, n) => `${scope}-${n}`,
      open: (docId, options) =>
        new YWebsocketClient(`ws://127.0.0.1:${p.port}/${docId}`, docId, options, true),
      cpuMs: () => processCpuMs(p.child.pid),
      memory: () => probeMemory(p.child, p.logs),
      lag: lagProbe(p.child, p.logs),
      pid: p.child.pid,
      stop: () => stopProcess(p.child, p.exited),
    } satisfies RunningTarget;
  },
};

/** Hocuspocus 3, in memory. */
export const hocuspocusTarget: Target = {
  name: 'hocuspocus',
  async start() {
    const p = await startPeerProcess('hocuspocusServer.mjs');
    return {
      name: 'hocuspocus',
      docId: (scope, n) => `${scope}-${n}`,
      open: (docId, options) => new HocuspocusClient(`ws://127.0.0.1:${p.port}`, docId, options),
      cpuMs: () => processCpuMs(p.child.pid),
      memory: () => probeMemory(p.child, p.logs),
      lag: lagProbe(p.child, p.logs),
      pid: p.child.pid,
      stop: () => stopProcess(p.child, p.exited),
    } satisfies RunningTarget;
  },
};

/** The raw relay: no documents, so no handshake; clients are "synced" once open. */
export const wsRelayTarget: Target = {
  name: 'ws-relay',
  async start() {
    const p = await startPeerProcess('wsRelay.mjs');
    return {
      name: 'ws-relay',
      docId: (scope, n) => `${scope}-${n}`,
      open: (docId, options) =>
        new YWebsocketClient(`ws://127.0.0.1:${p.port}/${docId}`, docId, options, false),
      cpuMs: () => processCpuMs(p.child.pid),
      memory: () => probeMemory(p.child, p.logs),
      lag: lagProbe(p.child, p.logs),
      pid: p.child.pid,
      stop: () => stopProcess(p.child, p.exited),
    } satisfies RunningTarget;
  },
};
