import fs from 'node:fs';

/**
 * CPU time (user + system) a process has used so far, in ms, read from /proc (Linux; NaN
 * elsewhere). Measured per scenario window, it is the number least distorted by other load
 * on the machine: a starved server waits longer but does not burn more CPU per update.
 * Resolution is one clock tick (10 ms), fine over windows of seconds.
 */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
