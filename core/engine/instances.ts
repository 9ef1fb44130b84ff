// This instance in the cluster (contract §9): registered at start, a beat
// every heartbeatMs while it runs, its row deleted on a clean stop. A killed
// instance leaves its row behind: not seen for the lease TTL, it is no longer
// listed, and any instance's beat prunes it.
import { seenSince } from '../decide/liveness';
import type { InstanceId } from '../model/ids';
import type { Instance, InstanceIdentity } from '../model/instance';
import type { Clock } from '../ports/clock';
import type { InstanceStore } from '../ports/instances';
import type { Scheduler } from '../ports/scheduler';
import { errorData, type Log } from './log';
import { every, type Ticker } from './ticker';

export interface InstanceLoopDeps {
    readonly store: InstanceStore;
    readonly self: InstanceIdentity;
    readonly clock: Clock;
    readonly scheduler: Scheduler;
    readonly log: Log;
    readonly leaseTtlS: number;
    readonly heartbeatMs: number;
}

export interface InstanceLoop {
    readonly self: InstanceId;
    // The live instances, this one among them while it runs.
    list(): Promise<readonly Instance[]>;
    // Resolves once the first beat is written (or has failed, and is logged).
    start(): Promise<void>;
    stop(): Promise<void>;
}

export const instanceLoop = (deps: InstanceLoopDeps): InstanceLoop => {
    const { store, self, clock, leaseTtlS } = deps;
    let ticker: Ticker | null = null;
    const onError = (err: unknown) => deps.log(['cluster', 'instances', 'error'], errorData(err));

    const beat = async (startedAt: Date): Promise<void> => {
        const now = clock.now();
        await store.beat(self, startedAt, now);
        await store.prune(seenSince(now, leaseTtlS));
    };

    return {
        self: self.id,
        list: () => {
            const now = clock.now();
            return store.listLive(seenSince(now, leaseTtlS), now);
        },
        start: async () => {
            const startedAt = clock.now();
            // A database that fails the first beat does not stop the host: the next beat registers it.
            await beat(startedAt).catch(onError);
            ticker = every(deps.scheduler, deps.heartbeatMs, () => beat(startedAt), onError);
        },
        stop: async () => {
            await ticker?.stop();
            ticker = null;
            // Not left (the database is gone): the row lapses with the TTL.
            await store.leave(self.id).catch(onError);
        }
    };
};
