import fs from 'node:fs';
import path from 'node:path';

/** Written by a running server into its DATA_DIR; the restore command refuses while it lives. */
export const SERVER_LOCK_FILE = 'server.pid';

interface LockContent {
  pid: number;
  startedAt: number;
}

/** Records that a server process uses `dataDir`; returns the function that removes it. */
export function holdServerLock(dataDir: string, now: number): () => void {
  const file = path.join(dataDir, SERVER_LOCK_FILE);
  fs.mkdirSync(dataDir, { recursive: true });
  const content: LockContent = { pid: process.pid, startedAt: now };
  fs.writeFileSync(file, JSON.stringify(content));
  return () => {
    try {
      const current = JSON.parse(fs.readFileSync(file, 'utf8')) as LockContent;
      if (current.pid === process.pid && current.startedAt === now) fs.rmSync(file);
    } catch {
      // Already gone (or replaced by another server): nothing of ours to remove.
    }
  };
}

/**
 * Why a server seems to be running on `dataDir`, or null. Two independent signs: a lock
 * file whose process is alive, and an answer from /healthz on the configured port (a
 * server started with another DATA_DIR answers too — better refuse than restore under it).
 */
export async function liveServerReason(dataDir: string, port: number): Promise<string | null> {
  const file = path.join(dataDir, SERVER_LOCK_FILE);
  if (fs.existsSync(file)) {
    let pid: number | null = null;
    try {
      pid = (JSON.parse(fs.readFileSync(file, 'utf8')) as LockContent).pid;
    } catch {
      pid = null;
    }
    if (pid !== null && processAlive(pid)) {
      return `a server process (pid ${pid}) holds ${file}. Stop it first. If no server is running, delete that file.`;
    }
  }
  if (port > 0 && (await answersHealth(port))) {
    return `a server answers on http://127.0.0.1:${port}/healthz. Stop it first.`;
  }
  return null;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else — still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function answersHealth(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
      signal: AbortSignal.timeout(1500),
    });
    return response.ok;
  } catch {
    return false;
  }
}
