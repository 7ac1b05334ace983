import { afterEach, beforeEach, expect, it } from 'vitest';
import { flatFieldsOnCluster, perProcessOnCluster } from './clusterServices.ts';
import { NotOnClusterError } from './cluster/notOnCluster.ts';
import { startAuthTestServer, type AuthTestServer } from './testing/authTestServer.ts';
import {
  createTestDatabase,
  describeWithPostgresAndRedis,
  testKeyPrefix,
  testRedisUrl,
  type TestDatabase,
} from './testing/scaleOutParts.ts';

/**
 * What a cluster process keeps for itself (issue 19), as it says at start: the write path's
 * two synchronous caches, kept current from the control plane and the access bus.
 */
const PER_PROCESS = ['storageUse', 'disabledSets'];

await describeWithPostgresAndRedis(
  'the flat fields of Services on a cluster process',
  { ownServer: false },
  () => {
    let database: TestDatabase;
    let t: AuthTestServer;
    const logLines: string[] = [];
    beforeEach(async () => {
      database = await createTestDatabase();
      logLines.length = 0;
      t = await startAuthTestServer(
        { DATABASE_URL: database.url, REDIS_URL: testRedisUrl!, REDIS_PREFIX: testKeyPrefix() },
        { logLines },
      );
    });
    afterEach(async () => {
      await t.close();
      await database.drop();
    });

    it('says at start which fields are per process, and why: only those declared so', () => {
      expect(Object.keys(perProcessOnCluster()).sort()).toEqual([...PER_PROCESS].sort());
      const warnings = logLines
        .map((line) => JSON.parse(line) as { msg: string; perProcess?: Record<string, string> })
        .filter((line) => line.perProcess !== undefined);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.msg).toBe(`per process on this cluster: ${PER_PROCESS.join(', ')}`);
      expect(warnings[0]!.perProcess).toEqual(perProcessOnCluster());
    });

    it('declares every flat field the running services hold, and nothing else', () => {
      const { services, ctx } = t.server;
      const flat = Object.keys(services).filter(
        (field) =>
          !(field in ctx) &&
          field !== 'control' &&
          // Built with the sync engine (SyncServices): not flat fields of Services.
          !['blobs', 'thumbnails', 'exportService', 'workspaceImporter'].includes(field) &&
          ![
            'workspaceDeletion',
            'deletionSweeper',
            'accountDeletion',
            'snapshots',
            'snapshotSchedule',
            'searchIndex',
            'searchProjector',
          ].includes(field),
      );
      expect(flat.sort()).toEqual(Object.keys(flatFieldsOnCluster).sort());
    });

    it('refuses the fields a cluster does not use instead of reading the process SQLite file', () => {
      const { services } = t.server;
      expect(() => services.docStore.load('w:ticket:t1')).toThrow(NotOnClusterError);
      expect(() => services.seatLimit.usage('w')).toThrow(NotOnClusterError);
      for (const [field, { reach }] of Object.entries(flatFieldsOnCluster)) {
        if (reach !== 'refused') continue;
        const value = services[field as keyof typeof services] as unknown as Record<
          string,
          () => unknown
        >;
        expect(() => value.anything!(), field).toThrow(NotOnClusterError);
      }
    });
  },
);
