import type { JobLease, JobLeaseOutcome } from '../lifecycle/JobLease.ts';
import type { RedisLeases } from './RedisLeases.ts';

/**
 * Scheduled work once per cluster: a run takes the Redis lease named after the job
 * (`RedisLeases`, renewed while it runs); a process whose tick finds it held skips the run.
 * A holder that dies stops renewing, the lease expires after its TTL, and the next tick of
 * another process runs the job.
 */
export class RedisJobLease implements JobLease {
  constructor(private readonly leases: RedisLeases) {}

  runOnce(
    name: string,
    job: (lost: AbortSignal, fence: number | null) => Promise<void>,
  ): Promise<JobLeaseOutcome> {
    return this.leases.runOnce(`job:${name}`, (lease) => job(lease.lost, lease.fence));
  }
}
