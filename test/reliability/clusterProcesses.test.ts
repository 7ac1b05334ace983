import { afterEach, expect, it } from 'vitest';
import { seededRandom } from '@desk/protocol/testing';
import {
  createTestDatabase,
  describeWithPostgresAndRedis,
  startRedisServer,
  testKeyPrefix,
  testRedisUrl,
  type RedisServerProcess,
  type TestDatabase,
} from '../../sync-server/src/testing/scaleOutParts.ts';
import {
  signUpOwner,
  startClusterProcess,
  type ClusterParts,
  type ClusterProcess,
} from '../support/cluster/clusterProcess.ts';
import {
  ackedAndConverged,
  missingFromStore,
  spreadReplicas,
  sleep,
  writeLoad,
  type Replica,
} from './cluster/Replica.ts';

// Two real server processes of a cluster (issue 19) — each createServer in its own OS
// process, started from the server's entry as production starts it — on one PostgreSQL
// database and one Redis key prefix, under write load from many /sync clients spread over
// both. Seeded: a failure prints its seed; RELIABILITY_SEED replays it.

const seed = Number(process.env.RELIABILITY_SEED ?? 20261207);
const CLIENTS = 16;
const DOCS = 4;
const MAX_WRITE_GAP_MS = 40;
/** Deadline of every wait (start, reconnect, convergence): never a speed. */
const DEADLINE_MS = 90_000;

await describeWithPostgresAndRedis(
  'cluster server processes under failure (kill -9, Redis restart)',
  { ownServer: true },
  () => {
    let database: TestDatabase | null = null;
    let redis: RedisServerProcess | null = null;
    const processes: ClusterProcess[] = [];
    const replicas: Replica[] = [];

    afterEach(async () => {
      for (const replica of replicas.splice(0)) replica.disconnect();
      for (const server of processes.splice(0)) await server.stop();
      await redis?.dispose();
      redis = null;
      await database?.drop();
      database = null;
    });

    /** Two processes on a fresh database and `redisUrl`, and CLIENTS replicas over both. */
    const cluster = async (redisUrl: string) => {
      database = await createTestDatabase();
      const parts: ClusterParts = {
        databaseUrl: database.url,
        redisUrl,
        redisPrefix: testKeyPrefix(),
      };
      // One after the other: the first applies the migrations.
      const a = await startClusterProcess('a', parts);
      processes.push(a);
      const b = await startClusterProcess('b', parts);
      processes.push(b);
      const owner = await signUpOwner(a);
      const home = await spreadReplicas(
        owner,
        [a, b],
        { clients: CLIENTS, docs: DOCS, docName: 'load' },
        replicas,
      );
      return { parts, a, b, home };
    };

    /** What some server had acknowledged when this is called and the store lacks. */
    const lostFromStore = (databaseUrl: string) =>
      missingFromStore(
        databaseUrl,
        replicas,
        replicas.flatMap((r) => [...r.promised()]),
      );

    it(`a process killed with kill -9 under write load from ${CLIENTS} clients: nothing it acknowledged is lost, its clients reconnect to the other process, and every replica converges on the stored doc`, async () => {
      const random = seededRandom(seed);
      const { parts, a, b, home } = await cluster(testRedisUrl!);
      const onA = replicas.filter((r) => home.get(r) === a);

      let writing = true;
      const load = writeLoad(replicas, random, MAX_WRITE_GAP_MS, () => writing);
      await sleep(300 + random.int(1201));
      await a.kill();
      writing = false;
      await load;

      // What A promised is in the store before any of its clients came back.
      const promisedByA = onA.reduce((n, r) => n + r.promised().size, 0);
      expect(promisedByA, `seed ${seed}: A acknowledged something`).toBeGreaterThan(0);
      expect(await lostFromStore(parts.databaseUrl), `seed ${seed}`).toEqual([]);

      // A's clients go to B (as a load balancer sends them); every client resyncs there.
      for (const replica of replicas) await replica.connect(b.url);
      const result = await ackedAndConverged(
        parts.databaseUrl,
        replicas,
        `every replica converged on the stored doc (seed ${seed})`,
        DEADLINE_MS,
      );
      expect(result).toEqual({ lostAcknowledged: [], missing: [] });
    }, 240_000);

    for (const persistent of [true, false]) {
      const how = persistent ? 'with its data (append-only file)' : 'without its data';
      it(`Redis restarted ${how} mid-load: clients on both processes converge on the stored doc and nothing acknowledged is lost`, async () => {
        const random = seededRandom(seed + (persistent ? 1 : 2));
        redis = await startRedisServer({ persistent });
        const { parts, home } = await cluster(redis.url);

        let writing = true;
        const load = writeLoad(replicas, random, MAX_WRITE_GAP_MS, () => writing);
        await sleep(200 + random.int(601));
        await redis.kill();
        await sleep(200 + random.int(601));
        await redis.start();
        await sleep(200 + random.int(601));
        writing = false;
        await load;

        const promised = replicas.reduce((n, r) => n + r.promised().size, 0);
        expect(promised, `seed ${seed}: something was acknowledged`).toBeGreaterThan(0);
        // Everything acknowledged so far is in the store, before anyone reconnects.
        expect(await lostFromStore(parts.databaseUrl), `seed ${seed}`).toEqual([]);

        // A client the server refused a write (a docError ends the subscription)
        // subscribes again, as a provider does, and sends what the server lacks. The others
        // stay as they are: what reaches them from the other process crossed Redis (or was
        // re-synced from the store when the bus lost its place).
        for (const replica of replicas) {
          if (replica.refused()) await replica.connect(home.get(replica)!.url);
        }
        const result = await ackedAndConverged(
          parts.databaseUrl,
          replicas,
          `every replica converged on the stored doc (seed ${seed})`,
          DEADLINE_MS,
        );
        expect(result).toEqual({ lostAcknowledged: [], missing: [] });
      }, 240_000);
    }
  },
);
