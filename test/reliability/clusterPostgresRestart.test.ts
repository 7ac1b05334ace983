import { afterAll, beforeAll, expect, it } from 'vitest';
import { DocErrorCode } from '@desk/protocol';
import { seededRandom, until } from '@desk/protocol/testing';
import {
  describeWithOwnPostgres,
  startOwnPostgres,
  type OwnPostgres,
} from '../../sync-server/src/testing/ownPostgres.ts';
import {
  describeWithRedis,
  testKeyPrefix,
  testRedisUrl,
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
  writeLoad,
  type Replica,
} from './cluster/Replica.ts';

// Two real server processes of a cluster (issue 19), each in its own OS process, on a
// PostgreSQL of the test's own (the shared one must not be restarted under other suites),
// stopped and started again while clients on both processes write. Seeded: a failure prints
// its seed; RELIABILITY_SEED replays it.

const seed = Number(process.env.RELIABILITY_SEED ?? 20261207);
const CLIENTS = 8;
const DOCS = 2;
const MAX_WRITE_GAP_MS = 40;
/** Deadline of every wait (start, recovery, convergence): never a speed. */
const DEADLINE_MS = 90_000;

const suite = 'cluster server processes with their PostgreSQL restarted under load';
const body = () => {
  let postgres: OwnPostgres;
  const processes: ClusterProcess[] = [];
  const replicas: Replica[] = [];

  beforeAll(async () => {
    postgres = await startOwnPostgres();
  }, 180_000);
  afterAll(async () => {
    for (const replica of replicas.splice(0)) replica.disconnect();
    for (const server of processes.splice(0)) await server.stop();
    await postgres?.dispose();
  });

  const readiness = async (server: ClusterProcess) => {
    const res = await fetch(`${server.url}/readyz`);
    return { status: res.status, body: (await res.json()) as { status: string } };
  };

  it('reports not ready while it is down, refuses writes with storage_unavailable, recovers by itself, and loses nothing acknowledged', async () => {
    const random = seededRandom(seed);
    const parts: ClusterParts = {
      databaseUrl: postgres.url,
      redisUrl: testRedisUrl!,
      redisPrefix: testKeyPrefix(),
    };
    const a = await startClusterProcess('a', parts);
    processes.push(a);
    const b = await startClusterProcess('b', parts);
    processes.push(b);
    const owner = await signUpOwner(a);
    const home = await spreadReplicas(
      owner,
      [a, b],
      { clients: CLIENTS, docs: DOCS, docName: 'pg' },
      replicas,
    );
    for (const server of [a, b]) expect((await readiness(server)).status).toBe(200);

    let writing = true;
    const load = writeLoad(replicas, random, MAX_WRITE_GAP_MS, () => writing);
    await until(
      () => replicas.every((r) => r.promised().size > 0),
      'every client had a write acknowledged',
      DEADLINE_MS,
    );
    await postgres.stop('immediate');

    // Down: both processes say so to the load balancer, and every client that writes is
    // told its write was not stored (the subscription ends; a provider subscribes again).
    for (const server of [a, b]) {
      await until(
        async () => (await readiness(server)).status === 503,
        `${server.name} not ready while PostgreSQL is down`,
        DEADLINE_MS,
      );
      expect((await readiness(server)).body).toEqual({ status: 'database_unavailable' });
    }
    await until(
      () => replicas.every((r) => r.refused(DocErrorCode.storageUnavailable)),
      'every writing client refused with storage_unavailable',
      DEADLINE_MS,
    );
    writing = false;
    await load;
    const promised = new Set(replicas.flatMap((r) => [...r.promised()]));

    // Back: each process is ready again by itself (no restart), and what it acknowledged
    // before the stop is in the store.
    await postgres.start();
    for (const server of [a, b]) {
      await until(
        async () => (await readiness(server)).status === 200,
        `${server.name} ready again`,
        DEADLINE_MS,
      );
    }
    expect(await missingFromStore(postgres.url, replicas, [...promised]), `seed ${seed}`).toEqual(
      [],
    );

    // The refused clients subscribe again on their process, send what was refused, and
    // every replica converges on the stored doc with everything anyone wrote.
    for (const replica of replicas) await replica.connect(home.get(replica)!.url);
    const result = await ackedAndConverged(
      postgres.url,
      replicas,
      `every replica converged on the stored doc (seed ${seed})`,
      DEADLINE_MS,
    );
    expect(result).toEqual({ lostAcknowledged: [], missing: [] });
  }, 240_000);
};

// Both gates: its own PostgreSQL (initdb, pg_ctl) and the shared Redis.
if (testRedisUrl) await describeWithOwnPostgres(suite, body);
else await describeWithRedis(suite, { ownServer: false }, body);
