// The guards of one upstream (Nova, Octavia), per region, so that a service in
// trouble is not made worse (design idea 5, contract §3 and §7). Every call to
// a region goes through the same steps, in this order, and this file is the
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
// No retry here: the callers are level-based and come back (after the
// retryAfterS they were given, or their backoff), so a retry loop in this
// layer would only multiply requests during an outage.
//
// Each upstream has its own RegionGuards (its own breakers, holds and budgets)
// and its own voice: the errors it refuses with, what trips its breaker.
import { setTimeout as sleep } from 'node:timers/promises';
import { admitCreate, checkBudgetLimits, type CreateBudgetLimits, type CreateBudgetState, DEFAULT_CREATE_BUDGET, finishCreate, freshBudget } from './budget';
import { type BreakerOptions, type BreakerState, breakerState, DEFAULT_BREAKER, isOpenRefusal, type RegionBreaker } from './breaker';
import { type Clock, systemClock } from '../../core/ports/clock';

export interface GuardOptions {
    readonly clock?: Clock;                          // Retry-After holds and the creation budget (opossum keeps its own timers)
    readonly breaker?: Partial<BreakerOptions>;
    readonly createBudget?: Partial<CreateBudgetLimits>;
    // The region a scope with `region: null` is kept under: pass the service
    // account's region, so null and its name share one breaker and one budget.
    readonly defaultRegion?: string;
    readonly onBreakerChange?: (region: string, state: BreakerState) => void;
}

export interface RegionGuardState {
    readonly breaker: BreakerState;
    readonly heldForS: number;                       // Retry-After left; 0 when not held
    readonly createsInFlight: number;
}

// Why a call was refused without being sent; waitS is the caller's hint.
export type Refusal =
    | { readonly why: 'retry_after'; readonly region: string; readonly waitS: number }
    | { readonly why: 'budget'; readonly region: string; readonly waitS: number; readonly limit: string }
    | { readonly why: 'breaker_open'; readonly region: string; readonly waitS: number }
    | { readonly why: 'closed'; readonly region: string };

// What differs between upstreams: their words, and what counts as their trouble.
export interface GuardVoice {
    readonly breaker: (region: string, options: BreakerOptions) => RegionBreaker;
    readonly refuse: (refusal: Refusal) => Error;
    // Seconds an error asks every call to its region to wait; null or 0: no hold.
    readonly holdOf: (err: unknown) => number | null;
}

interface RegionGuard {
    readonly breaker: RegionBreaker;
    heldUntilMs: number;
    budget: CreateBudgetState;
    openedAtMs: number;                              // Date.now() when the breaker last opened: opossum's timer runs on it
}

export class RegionGuards {
    readonly breakerOptions: BreakerOptions;
    readonly budgetLimits: CreateBudgetLimits;
    private readonly clock: Clock;
    private readonly defaultRegion: string;
    private readonly regions = new Map<string, RegionGuard>();
    private closed = false;

    constructor(private readonly voice: GuardVoice, private readonly options: GuardOptions = {}) {
        this.clock = options.clock ?? systemClock;
        this.defaultRegion = options.defaultRegion ?? 'default';
        this.breakerOptions = { ...DEFAULT_BREAKER, ...options.breaker };
        this.budgetLimits = checkBudgetLimits({ ...DEFAULT_CREATE_BUDGET, ...options.createBudget });
    }

    state(region: string | null): RegionGuardState {
        const guard = this.regions.get(region ?? this.defaultRegion);
        if (guard === undefined) {
            return { breaker: 'closed', heldForS: 0, createsInFlight: 0 };
        }

        return { breaker: breakerState(guard.breaker), heldForS: this.heldForS(guard), createsInFlight: guard.budget.inFlight };
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

        // A create waits its turn in the budget, up to maxWaitMs; the hold and
        // the breaker are looked at again after each wait.
        const waitUntil = Date.now() + this.budgetLimits.maxWaitMs;
        for (; ;) {
            const heldForS = this.heldForS(guard);
            if (heldForS > 0) {
                throw this.voice.refuse({ why: 'retry_after', region, waitS: heldForS });
            }

            // Checked before the budget so an open breaker does not spend tokens.
            if (guard.breaker.opened) {
                throw this.breakerOpen(region, guard);
            }

            if (!isCreate) {
                break;
            }

            const admission = admitCreate(guard.budget, this.budgetLimits, this.clock.now().getTime());
            guard.budget = admission.state;
            if (admission.admitted) {
                break;
            }

            const left = waitUntil - Date.now();
            if (left <= 0) {
                const limit = admission.why === 'rate' ? `${this.budgetLimits.createsPerS} creates/s` : `${this.budgetLimits.maxInFlight} creates in flight`;
                throw this.voice.refuse({ why: 'budget', region, waitS: admission.waitMs / 1000, limit });
            }

            await sleep(Math.max(1, Math.min(admission.waitMs, left)));
        }

        try {
            // The breaker's action only runs the thunk, so its result is the thunk's T.
            return await (guard.breaker.fire(call) as Promise<T>);
        }
        catch (err) {
            if (isOpenRefusal(err)) {
                throw this.breakerOpen(region, guard);
            }

            this.noteRetryAfter(guard, err);
            throw err;
        }
        finally {
            if (isCreate) {
                guard.budget = finishCreate(guard.budget);
            }
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

        const breaker = this.voice.breaker(region, this.breakerOptions);
        const guard: RegionGuard = { breaker, heldUntilMs: 0, budget: freshBudget(this.budgetLimits, this.clock.now().getTime()), openedAtMs: 0 };
        breaker.on('open', () => {
            guard.openedAtMs = Date.now();
            this.options.onBreakerChange?.(region, 'open');
        });
        breaker.on('halfOpen', () => this.options.onBreakerChange?.(region, 'half_open'));
        breaker.on('close', () => this.options.onBreakerChange?.(region, 'closed'));
        this.regions.set(region, guard);
        return guard;
    }

    // Only the upstream's "slow down" answers hold the region; a longer wait already in force stays.
    private noteRetryAfter(guard: RegionGuard, err: unknown): void {
        const waitS = this.voice.holdOf(err);
        if (waitS !== null && waitS > 0) {
            const until = this.clock.now().getTime() + waitS * 1000;
            guard.heldUntilMs = Math.max(guard.heldUntilMs, until);
        }
    }

    // Seconds left, to the millisecond, so a caller that waits them is never early.
    private heldForS(guard: RegionGuard): number {
        return Math.max(0, Math.ceil(guard.heldUntilMs - this.clock.now().getTime())) / 1000;
    }

    private breakerOpen(region: string, guard: RegionGuard): Error {
        const probeInMs = Math.max(0, guard.openedAtMs + this.breakerOptions.resetTimeoutMs - Date.now());
        return this.voice.refuse({ why: 'breaker_open', region, waitS: Math.ceil(probeInMs) / 1000 });
    }
}
