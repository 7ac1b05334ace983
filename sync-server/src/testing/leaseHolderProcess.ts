/**
 * A separate process that takes a lease and holds it (renewing) until it is killed — the
 * "holder dies" of RedisLeases.test.ts. Prints `held <fence>` or `refused`, one line.
 * Arguments: redis URL, key prefix, lease name, TTL in ms.
 */
import { RedisLeases } from '../cluster/RedisLeases.ts';

const [url, prefix, name, ttl] = process.argv.slice(2);
const leases = new RedisLeases({
  url: url!,
  prefix: prefix!,
  holderId: `child-${process.pid}`,
  ttlMs: Number(ttl),
});
const lease = await leases.tryAcquire(name!);
process.stdout.write(lease ? `held ${lease.fence}\n` : 'refused\n');
if (!lease) {
  await leases.close();
} else {
  // Hold until killed.
  setInterval(() => undefined, 1 << 30);
}
