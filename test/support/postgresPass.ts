// The integration suite's second pass, on PostgreSQL and Redis (issue 19: "the whole
// integration suite runs against both in CI"). `pnpm test` runs every suite on the embedded
// SQLite first, then this: the suites below again with TEST_SERVER_BACKEND=postgres, so
// each of their servers is a cluster process on a database and a Redis prefix of its own
// (sync-server/src/testing/testServerBackend.ts). Without TEST_POSTGRES_URL and
// TEST_REDIS_URL it is skipped with a notice; under CI (which sets them) that fails instead.
//
// Run by `pnpm test:postgres`; extra arguments go to vitest (e.g. a file to run alone).
import { execFileSync, spawnSync } from 'node:child_process';
import { suiteVerdict, type MissingPart } from './suiteGate.ts';

/**
 * The suites whose servers start through the test helpers that honour the backend
 * (`startAuthTestServer`, `startSyncServer`, the browser world) and that speak to them over
 * HTTP and WebSocket, as users do, or read the documents through the engine's reads
 * (`sync.docs`) and the control plane through `services.control`, which are the cluster's
 * shared stores on this pass. Left out, each for a reason SCALE-OUT.md lists under "What
 * remains": suites about the embedded SQLite file itself (syncErrors drops its tables,
 * restoreHealing and disasterRestore restore a copy of the file); those that start their
 * own clusters on PostgreSQL in the first pass already (test/system/cluster/*,
 * clusterProcesses, startCluster, clusterPostgresRestart); and reliability/fuzz (its server
 * process runs on PostgreSQL with TEST_SERVER_BACKEND: three runs on a quiet machine passed,
 * two of them at once — goodClosed 0, the slowest ack 4.0 s — but one at load 14–18 counted
 * 8 of its well-behaved clients closed, an ack waiting past its 30 s deadline; kept out of
 * CI until that is understood).
 */
export const POSTGRES_PASS = [
  'test/system/sync/catchUp.test.ts',
  'test/system/sync/compaction.test.ts',
  'test/system/sync/convergence.test.ts',
  'test/system/sync/docLimits.test.ts',
  'test/system/sync/indexGenerations.test.ts',
  'test/system/sync/largeDocOffThread.test.ts',
  'test/system/sync/largeFirstSync.test.ts',
  'test/system/sync/offlineReplicaLimit.test.ts',
  'test/system/sync/syncEndpoint.test.ts',
  'test/system/sync/updateIntegrity.test.ts',
  'test/system/sync/updateRate.test.ts',
  'test/system/sync/yWebsocketCompat.test.ts',
  'test/system/workspaces/accessChanges.test.ts',
  'test/system/workspaces/seatRace.test.ts',
  'test/system/snapshots/restoreConvergence.test.ts',
  'test/system/snapshots/restoreUndo.test.ts',
  'test/reliability/restoreRace.test.ts',
  'test/reliability/compactionRace.test.ts',
  'test/reliability/uploadQuotaRace.test.ts',
  'test/reliability/authorizationMatrix.test.ts',
  'test/reliability/authorizationGrants.test.ts',
  'test/reliability/openApiConformance.test.ts',
  'test/reliability/webSecurity.test.ts',
  // The browser suites: their server (browserWorld.ts) honours the backend too, and they
  // read what they check through the engine and `services.control`, never the SQLite file.
  'test/system/browser/auth.test.ts',
  'test/system/browser/workspaces.test.ts',
  'test/system/browser/desk.test.ts',
  'test/system/browser/deskMessages.test.ts',
  'test/system/browser/attachments.test.ts',
  'test/system/browser/search.test.ts',
  'test/system/browser/indexGenerations.test.ts',
  'test/system/browser/roleChanges.test.ts',
  'test/system/browser/readOnly.test.ts',
  'test/system/browser/offline.test.ts',
  'test/system/browser/snapshots.test.ts',
  'test/system/browser/exportSettings.test.ts',
  'test/system/browser/moderation.test.ts',
  'test/system/browser/forgetHttpCache.test.ts',
  'test/system/browser/newVersion.test.ts',
  'test/system/browser/noThirdParty.test.ts',
  'test/system/browser/offlineHalfOpen.test.ts',
  'test/system/browser/offlineLocalSave.test.ts',
  'test/system/browser/offlineRefused.test.ts',
  'test/system/browser/offlineSession.test.ts',
  'test/system/browser/offlineUpdate.test.ts',
  // The longest here (2,000 tickets copied to the device): about as long as on SQLite.
  'test/system/browser/offlineReplica.test.ts',
  'test/system/browser/announcements.test.ts',
  'test/system/browser/firstScreen.test.ts',
  'test/system/browser/supportAccess.test.ts',
  'test/system/browser/workspaceDeletion.test.ts',
  'test/system/browser/accountDeletion.test.ts',
  'test/system/browser/termsVersions.test.ts',
  'test/system/browser/pageErrors.test.ts',
  'test/reliability/xssBrowser.test.ts',
  'test/system/browser/operatorDeletions.test.ts',
  'test/system/browser/partialReplica.test.ts',
  'test/system/browser/phoneLayout.test.ts',
  'test/system/browser/securityHeaders.test.ts',
  'test/system/sync/firstSyncWhileWritten.test.ts',
  'test/system/browser/storageFull.test.ts',
] as const;

/** The test databases on the TEST_POSTGRES_URL server (createTestDatabase's names). */
function testDatabases(url: string): Set<string> {
  const out = execFileSync(
    'psql',
    [
      url,
      '-X',
      '-A',
      '-t',
      '-q',
      '-c',
      "SELECT datname FROM pg_database WHERE datname LIKE 'desk\\_test\\_%'",
    ],
    { encoding: 'utf8' },
  );
  return new Set(out.split('\n').filter(Boolean));
}

/**
 * Drops the databases this pass created and left: a server restarted on a directory its
 * test keeps reopens its database, so no server drops it on close (testServerBackend.ts).
 * Only those that did not exist before the pass, so a run beside it keeps its own.
 */
function dropCreatedDatabases(url: string, before: ReadonlySet<string>): void {
  for (const name of testDatabases(url)) {
    if (before.has(name)) continue;
    execFileSync('psql', [url, '-X', '-q', '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
  }
}

function missingParts(env: NodeJS.ProcessEnv): MissingPart[] {
  const missing: MissingPart[] = [];
  if (!env.TEST_POSTGRES_URL?.trim()) {
    missing.push({
      what: 'TEST_POSTGRES_URL is unset',
      howToGet: 'export TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test (.ci/run does)',
    });
  }
  if (!env.TEST_REDIS_URL?.trim()) {
    missing.push({
      what: 'TEST_REDIS_URL is unset',
      howToGet: 'export TEST_REDIS_URL=redis://127.0.0.1:6379 (.ci/run does)',
    });
  }
  return missing;
}

function main(): number {
  const verdict = suiteVerdict('the PostgreSQL pass', missingParts(process.env), process.env);
  if (verdict.kind === 'fail') {
    process.stderr.write(`${verdict.error.message}\n`);
    return 1;
  }
  if (verdict.kind === 'skip') {
    process.stdout.write(`${verdict.notice}\n`);
    return 0;
  }
  const args = process.argv.slice(2);
  const url = process.env.TEST_POSTGRES_URL!;
  const before = testDatabases(url);
  const result = spawnSync('vitest', ['run', ...(args.length ? args : POSTGRES_PASS)], {
    stdio: 'inherit',
    env: { ...process.env, TEST_SERVER_BACKEND: 'postgres' },
  });
  dropCreatedDatabases(url, before);
  return result.status ?? 1;
}

process.exit(main());
