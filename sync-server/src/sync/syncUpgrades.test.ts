import { describe, expect, it } from 'vitest';
import { syncEndpointOf } from './syncUpgrades.ts';

describe('syncEndpointOf', () => {
  it('knows the multiplexed endpoint', () => {
    expect(syncEndpointOf('/sync')).toEqual({ kind: 'sync' });
  });

  it('reads the doc id of the y-websocket endpoint, percent-decoded', () => {
    expect(syncEndpointOf('/yjs/ws1:ticket:t1')).toEqual({ kind: 'yjs', docId: 'ws1:ticket:t1' });
    expect(syncEndpointOf('/yjs/ws1%3Aindex')).toEqual({ kind: 'yjs', docId: 'ws1:index' });
  });

  it('hands a malformed escape on as an empty (invalid) doc id, for a typed refusal', () => {
    expect(syncEndpointOf('/yjs/%E0%A4%A')).toEqual({ kind: 'yjs', docId: '' });
  });

  it('is not ours otherwise', () => {
    for (const path of ['/', '/sync/x', '/yjs/', '/yjs/a/b', '/api/sync', '/syncx']) {
      expect(syncEndpointOf(path)).toBeNull();
    }
  });
});
