// What the guards of a region share with the other instances of the cluster
// (contract §9), as a port: adapters/store/cluster-guards.ts keeps it in
// PostgreSQL, the one coordinator (design idea 6). Times are epoch ms from
// the guard's clock: instances' clocks are taken to be in step, as group
// leases already take them.
import type { CreateBudgetLimits, CreateBudgetState } from './budget';

// Whose rows: region names repeat across clouds.
export interface Upstream {
    readonly cloud: string;                  // the service account's Keystone URL
    readonly service: string;                // the OpenStack service type: 'compute', 'load-balancer'
}

// retry_after: the upstream asked us to wait. breaker_open: some instance's
// breaker opened there (the others' breakers then open on their first failure).
export type HoldCause = 'retry_after' | 'breaker_open';

export interface RegionHold {
    readonly region: string;
    readonly cause: HoldCause;
    readonly untilMs: number;
    readonly setBy: string;                  // the instance that saw it
}

// A create in flight, counted against maxInFlight until it is answered, or
// until it lapses (the instance that sent it was killed before it could say).
export interface CreateSlot {
    readonly id: string;
    readonly lapsesAtMs: number;
}

export interface ClusterTake {
    readonly admitted: boolean;
    // The bucket after the take, refilled to now; inFlight: the live slots.
    readonly state: CreateBudgetState;
}

export interface ClusterGuardStore {
    // The upstream's holds still in force at nowMs, in every region.
    holdsOf(upstream: Upstream, nowMs: number): Promise<readonly RegionHold[]>;
    // Kept (and made this setter's) unless the one of that cause already there ends later.
    hold(upstream: Upstream, hold: RegionHold): Promise<void>;
    // Ends the hold of that cause if this instance set it; another's stays.
    endHold(upstream: Upstream, region: string, cause: HoldCause, setBy: string): Promise<void>;
    // In one step: the region's bucket refilled to nowMs, then a token and a
    // slot taken if both are there (the bucket is made full on first use).
    takeCreate(upstream: Upstream, region: string, limits: CreateBudgetLimits, slot: CreateSlot, nowMs: number): Promise<ClusterTake>;
    finishCreate(upstream: Upstream, region: string, slotId: string): Promise<void>;
}
