// The guards of one upstream (Nova, Octavia), per region, so that a service in
// trouble is not made worse (design idea 5, contract §3, §7 and §9). Every call
// to a region goes through the same steps, in this order, and this file is the
// one place they are composed:
//
//   1. Retry-After hold: an answer that named a wait holds every call to the
//      region until it has passed ('held', nothing sent).
//   2. Breaker: one opossum breaker per region; open → 'breaker_open' (nothing
//      sent), half-open → one probe per resetTimeout.
//   3. Creation budget (creates only): creates/s and in flight per region;
//      a create waits its turn up to maxWaitMs, then 'held' with a hint.
//   4. The inner call, with its own per-call deadline (the timeout).
//
// With a cluster link (contract §9) the holds and the budget are the
// cluster's: a hold seen by any instance holds the region for all (read at
// most a second late), and the budget is one bucket that every instance takes
// from. The breaker stays this process's own, so an instance cut off from an
// upstream that the others reach stops only itself; but a breaker open
// anywhere makes the others' open on their first failure rather than after a
// run of them, so a dead upstream gets one probe from each, not a burst.
//
// No retry here: the callers are level-based and come back (after the
// retryAfterS they were given, or their backoff), so a retry loop in this
// layer would only multiply requests during an outage.
//
// Each upstream has its own RegionGuards (its own breakers, holds and budgets)
// and its own voice: the errors it refuses with, what trips its breaker.
import { setTimeout as sleep } from 'node:timers/promises';
import { checkBudgetLimits, type CreateBudgetLimits, DEFAULT_CREATE_BUDGET } from './budget';
import { type BreakerOptions, type BreakerState, breakerState, DEFAULT_BREAKER, isOpenRefusal, type RegionBreaker } from './breaker';
import { clusterBudget } from './cluster-budget';
import { ClusterHolds } from './cluster-holds';
import type { ClusterLink } from './cluster-link';
import { localBudget, type RegionBudget } from './region-budget';
import { type Clock, systemClock } from '../../core/ports/clock';

export interface GuardOptions {
    readonly clock?: Clock;                          // Retry-After holds and the creation budget (opossum keeps its own timers)
    readonly breaker?: Partial<BreakerOptions>;
    readonly createBudget?: Partial<CreateBudgetLimits>;
    // The region a scope with `region: null` is kept under: pass the service
    // account's region, so null and its name share one breaker and one budget.
    readonly defaultRegion?: string;
    readonly onBreakerChange?: (region: string, state: BreakerState) => void;
    // The cluster this process is an instance of: holds and budgets shared
    // with the others. Without it, this process's own.
    readonly cluster?: ClusterLink;
}

export interface RegionGuardState {
    readonly breaker: BreakerState;
    readonly heldForS: number;                       // Retry-After left (this process's, or another's as last read); 0 when not held
    readonly createsInFlight: number;                // this process's
}

// Why a call was refused without being sent; waitS is the caller's hint.
export type Refusal =
    | { readonly why: 'retry_after'; readonly region: string; readonly waitS: number }
    | { readonly why: 'budget'; readonly region: string; readonly waitS: number; readonly limit: string }
    | { readonly why: 'budget_unknown'; readonly region: string; readonly waitS: number }   // the cluster's budget could not be read
    | { readonly why: 'breaker_open'; readonly region: string; readonly waitS: number }
    | { readonly why: 'closed'; readonly region: string };

// What differs between upstreams: their words, and what counts as their trouble.
export interface GuardVoice {
    readonly service: string;                        // the OpenStack service type: the cluster's rows are kept under it
    readonly breaker: (region: string, options: BreakerOptions) => RegionBreaker;
    readonly refuse: (refusal: Refusal) => Error;
    // Seconds an error asks every call to its region to wait; null or 0: no hold.
    readonly holdOf: (err: unknown) => number | null;
}

interface RegionGuard {
    readonly breaker: RegionBreaker;
    heldUntilMs: number;                             // a Retry-After this process saw
    readonly budget: RegionBudget;
    openedAtMs: number;                              // Date.now() when the breaker last opened: opossum's timer runs on it
}

// The hint given when the cluster's budget cannot be read: look again soon.
const UNKNOWN_BUDGET_WAIT_S = 1;

export class RegionGuards {
    readonly breakerOptions: BreakerOptions;
    readonly budgetLimits: CreateBudgetLimits;
    private readonly clock: Clock;
    private readonly defaultRegion: string;
    private readonly regions = new Map<string, RegionGuard>();
    private readonly holds: ClusterHolds | null;
    private readonly sharing = new Set<Promise<void>>();
    private closed = false;

    constructor(private readonly voice: GuardVoice, private readonly options: GuardOptions = {}) {
        this.clock = options.clock ?? systemClock;
        this.defaultRegion = options.defaultRegion ?? 'default';
        this.breakerOptions = { ...DEFAULT_BREAKER, ...options.breaker };
        this.budgetLimits = checkBudgetLimits({ ...DEFAULT_CREATE_BUDGET, ...options.createBudget });
        this.holds = options.cluster === undefined ? null : new ClusterHolds(options.cluster, voice.service, this.clock);
    }

    state(scopeRegion: string | null): RegionGuardState {
        const region = scopeRegion ?? this.defaultRegion;
        const guard = this.regions.get(region);
        if (guard === undefined) {
            return { breaker: 'closed', heldForS: 0, createsInFlight: 0 };
        }

        const elsewhere = this.holds?.until(region, 'retry_after') ?? 0;
        return { breaker: breakerState(guard.breaker), heldForS: this.secondsUntil(Math.max(guard.heldUntilMs, elsewhere)), createsInFlight: guard.budget.inFlight() };
    }

    // Shuts every breaker down (their timers with them); later calls are refused.
    close(): void {
        this.closed = true;
        for (const guard of this.regions.values()) {
            guard.breaker.shutdown();
        }

        this.regions.clear();
    }

    async run<T>(scopeRegion: string | null, isCreate: boolean, call: () => Promise<T>): Promise<T> {
        const region = scopeRegion ?? this.defaultRegion;
        const guard = this.regionGuard(region);
        await this.refuseIfHeld(region, guard);
        // A create waits its turn in the budget, up to maxWaitMs.
        const finish = isCreate ? await guard.budget.turn(() => this.admit(region, guard, Date.now() + this.budgetLimits.maxWaitMs)) : null;
        try {
            // The breaker's action only runs the thunk, so its result is the thunk's T.
            return await (guard.breaker.fire(call) as Promise<T>);
        }
        catch (err) {
            if (isOpenRefusal(err)) {
                throw this.breakerOpen(region, guard);
            }

            this.noteRetryAfter(region, guard, err);
            throw err;
        }
        finally {
            await finish?.();
            // A hold or breaker change this call brought about is shared before it returns.
            await Promise.all(this.sharing);
        }
    }

    private regionGuard(region: string): RegionGuard {
        if (this.closed) {
            throw this.voice.refuse({ why: 'closed', region });
        }

        const known = this.regions.get(region);
        if (known !== undefined) {
            return known;
        }

        const { cluster } = this.options;
        const breaker = this.voice.breaker(region, this.breakerOptions);
        const budget = cluster === undefined ?
            localBudget(this.budgetLimits, this.clock.now().getTime()) :
            clusterBudget(cluster, this.voice.service, region, this.budgetLimits);
        const guard: RegionGuard = { breaker, heldUntilMs: 0, budget, openedAtMs: 0 };
        breaker.on('open', () => {
            guard.openedAtMs = Date.now();
            this.share(this.holds?.set(region, 'breaker_open', this.clock.now().getTime() + this.breakerOptions.resetTimeoutMs));
            this.options.onBreakerChange?.(region, 'open');
        });
        breaker.on('halfOpen', () => this.options.onBreakerChange?.(region, 'half_open'));
        breaker.on('close', () => {
            this.share(this.holds?.end(region, 'breaker_open'));
            this.options.onBreakerChange?.(region, 'closed');
        });
        // Open elsewhere: the first failure here is enough.
        breaker.on('failure', () => {
            if (breaker.closed && this.holds !== null && this.holds.until(region, 'breaker_open') > this.clock.now().getTime()) {
                breaker.open();
            }
        });
        this.regions.set(region, guard);
        return guard;
    }

    // Held (this process's hold first: no read needed), or this breaker open: refused, nothing sent.
    private async refuseIfHeld(region: string, guard: RegionGuard): Promise<void> {
        const heldForS = this.secondsUntil(guard.heldUntilMs);
        if (heldForS > 0) {
            throw this.voice.refuse({ why: 'retry_after', region, waitS: heldForS });
        }

        // Before the cluster's holds: an open breaker needs no read either.
        if (guard.breaker.opened) {
            throw this.breakerOpen(region, guard);
        }

        if (this.holds !== null) {
            await this.holds.read();
            const elsewhereS = this.secondsUntil(this.holds.until(region, 'retry_after'));
            if (elsewhereS > 0) {
                throw this.voice.refuse({ why: 'retry_after', region, waitS: elsewhereS });
            }
        }
    }

    // The budget's answer, waiting for a token up to `waitUntil`; the holds
    // and the breaker are looked at again after each wait. Checked after them,
    // so an open breaker or a hold spends no token.
    private async admit(region: string, guard: RegionGuard, waitUntil: number): Promise<() => Promise<void>> {
        for (; ;) {
            const answer = await guard.budget.admit(this.clock.now().getTime());
            if (answer.admitted) {
                return answer.finish;
            }

            if (answer.why === 'unknown') {
                throw this.voice.refuse({ why: 'budget_unknown', region, waitS: UNKNOWN_BUDGET_WAIT_S });
            }

            const left = waitUntil - Date.now();
            if (left <= 0) {
                const limit = answer.why === 'rate' ? `${this.budgetLimits.createsPerS} creates/s` : `${this.budgetLimits.maxInFlight} creates in flight`;
                throw this.voice.refuse({ why: 'budget', region, waitS: answer.waitMs / 1000, limit });
            }

            await sleep(Math.max(1, Math.min(answer.waitMs, left)));
            await this.refuseIfHeld(region, guard);
        }
    }

    // Only the upstream's "slow down" answers hold the region; a longer wait already in force stays.
    private noteRetryAfter(region: string, guard: RegionGuard, err: unknown): void {
        const waitS = this.voice.holdOf(err);
        if (waitS !== null && waitS > 0) {
            const until = this.clock.now().getTime() + waitS * 1000;
            guard.heldUntilMs = Math.max(guard.heldUntilMs, until);
            this.share(this.holds?.set(region, 'retry_after', until));
        }
    }

    private share(writing: Promise<void> | undefined): void {
        if (writing !== undefined) {
            this.sharing.add(writing);
            void writing.finally(() => this.sharing.delete(writing));
        }
    }

    // Seconds left, to the millisecond, so a caller that waits them is never early.
    private secondsUntil(untilMs: number): number {
        return Math.max(0, Math.ceil(untilMs - this.clock.now().getTime())) / 1000;
    }

    private breakerOpen(region: string, guard: RegionGuard): Error {
        const probeInMs = Math.max(0, guard.openedAtMs + this.breakerOptions.resetTimeoutMs - Date.now());
        return this.voice.refuse({ why: 'breaker_open', region, waitS: Math.ceil(probeInMs) / 1000 });
    }
}
