import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe } from 'vitest';
import { freePort } from '../../../test/support/freePort.ts';
import { suiteVerdict, type MissingPart } from '../../../test/support/suiteGate.ts';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the test's own, which it may stop and start (issue 19: "PostgreSQL
 * restarted mid-load"): the shared one on 5432 must not be restarted under other suites.
 * Built with initdb in a temporary directory. PostgreSQL refuses to run as root, so when the
 * tests run as root (this machine, CI) its programs run as the `postgres` user (`runuser`),
 * which must exist and own the directory.
 */
export const pgBinDir = process.env.PG_BIN_DIR ?? '/usr/local/bin';
const asRoot = process.getuid?.() === 0;

async function postgresUserIds(): Promise<{ uid: number; gid: number } | null> {
  try {
    const [uid, gid] = await Promise.all([
      run('id', ['-u', 'postgres']),
      run('id', ['-g', 'postgres']),
    ]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return null;
  }
}

async function ownPostgresMissing(): Promise<MissingPart[]> {
  const missing: MissingPart[] = [];
  for (const program of ['initdb', 'pg_ctl']) {
    if (!fs.existsSync(path.join(pgBinDir, program))) {
      missing.push({
        what: `no ${program} in ${pgBinDir} (the test starts and stops a PostgreSQL of its own)`,
        howToGet: 'install PostgreSQL server binaries, or set PG_BIN_DIR',
      });
    }
  }
  if (asRoot && !(await postgresUserIds())) {
    missing.push({
      what: 'running as root and there is no `postgres` user to run PostgreSQL as',
      howToGet: 'create a postgres user (the Debian package does), or run the tests unprivileged',
    });
  }
  return missing;
}

/** A `describe` that runs where this machine can start a PostgreSQL of the test's own. */
export async function describeWithOwnPostgres(name: string, body: () => void): Promise<void> {
  const verdict = suiteVerdict(name, await ownPostgresMissing(), process.env);
  if (verdict.kind === 'fail') throw verdict.error;
  if (verdict.kind === 'skip') console.warn(verdict.notice);
  describe.runIf(verdict.kind === 'run')(name, body);
}

export interface OwnPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trusted). */
  readonly url: string;
  /** Stops it: `immediate` is a crash (recovery from the WAL at the next start), `fast` a clean stop. */
  readonly stop: (mode: 'immediate' | 'fast') => Promise<void>;
  /** Starts it again on the same port and data; resolves once it accepts connections. */
  readonly start: () => Promise<void>;
  /** Stops it for good and removes its directory. */
  readonly dispose: () => Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-pg-'));
  const data = path.join(dir, 'data');
  if (asRoot) {
    const ids = (await postgresUserIds())!;
    fs.chownSync(dir, ids.uid, ids.gid);
  }
  const pg = (program: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', path.join(pgBinDir, program), ...args])
      : run(path.join(pgBinDir, program), args);
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const start = async () => {
    await pg('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(dir, 'postgres.log'),
      '-w', // until it accepts connections
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir}`,
      'start',
    ]);
  };
  const stop = async (mode: 'immediate' | 'fast') => {
    await pg('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop,
    start,
    dispose: async () => {
      await stop('immediate').catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
