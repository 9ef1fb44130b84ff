// The cluster's instances as stored (contract §9): each registers at start,
// beats while it runs, and leaves on a clean stop.
import type { InstanceId } from '../model/ids';
import type { Instance, InstanceIdentity } from '../model/instance';

export interface InstanceStore {
    // The row of the instance, seen at `at`: written at start, renewed after.
    // A row pruned meanwhile (the process paused past the TTL) is written again.
    beat(instance: InstanceIdentity, startedAt: Date, at: Date): Promise<void>;
    leave(id: InstanceId): Promise<void>;
    // Instances seen at `seenSince` or later, the longest running first, each
    // with the group leases it holds at `now`.
    listLive(seenSince: Date, now: Date): Promise<readonly Instance[]>;
    // Rows not seen since `seenBefore` go; resolves with how many.
    prune(seenBefore: Date): Promise<number>;
}
