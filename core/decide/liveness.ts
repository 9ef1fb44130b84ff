// An instance not seen for the lease TTL is gone (contract §9): not listed,
// and its row may be pruned. It says it is alive a few times per TTL.
export const seenSince = (now: Date, leaseTtlS: number): Date => new Date(now.getTime() - leaseTtlS * 1000);

// A third of the TTL: two beats in a row may be late or lost (a slow
// database, a long pause of the process) before the instance counts as gone.
export const defaultHeartbeatMs = (leaseTtlS: number): number => Math.round(leaseTtlS * 1000 / 3);
