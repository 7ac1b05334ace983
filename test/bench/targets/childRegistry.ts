import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();

/**
 * Every server process the bench starts is tracked here and killed when the bench exits,
 * however it exits (a crash, Ctrl-C, a failed scenario): an orphaned server would skew the
 * next run's numbers and hold memory.
 */
export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

export function killAllChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

process.once('exit', killAllChildren);
