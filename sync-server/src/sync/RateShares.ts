/**
 * What part of a shared rate this process may spend (issue 19). A workspace's update rate
 * and a member's chat messages per minute are plan limits of the workspace, not of a
 * process: on a cluster whose writers are spread over several processes, each process
 * spends a share of the plan's rate so that the cluster together keeps to it.
 *
 * Both calls are on the write path's synchronous admission, so neither may wait: `share`
 * answers from what the process last learnt, `demand` only counts. A cluster learns the
 * shares in the background (`cluster/RedisRateShares.ts`).
 *
 * Keys: a workspace's update bucket is keyed by its id; a member's message bucket by
 * `<workspaceId> NUL <userId>` (ids never hold a NUL, so the two cannot meet).
 */
export interface RateShares {
  /** The fraction of `key`'s rate this process may spend now, in (0, 1]. */
  share(key: string): number;
  /** `tokens` were asked of `key`'s bucket here (admitted or not): this process's demand. */
  demand(key: string, tokens: number): void;
}

/** One process: the whole rate is its own. */
export const wholeRates: RateShares = {
  share: () => 1,
  demand: () => undefined,
};
