// One opossum breaker per upstream and region (design idea 5). The adapter
// names it and says which errors are the upstream's own trouble; the caller's
// mistakes are answers from a working service and pass through uncounted.
import CircuitBreaker from 'opossum';

export interface BreakerOptions {
    readonly errorThresholdPercentage: number;  // open when more than this share of calls in the window failed
    readonly volumeThreshold: number;           // ... and at least this many calls were made in the window
    readonly resetTimeoutMs: number;            // open this long, then one probe (half-open)
    readonly rollingCountTimeoutMs: number;     // the statistical window
}

export const DEFAULT_BREAKER: BreakerOptions = {
    errorThresholdPercentage: 50,
    volumeThreshold: 5,
    resetTimeoutMs: 30_000,
    rollingCountTimeoutMs: 10_000
};

export type Thunk = () => Promise<unknown>;
export type RegionBreaker = CircuitBreaker<[Thunk], unknown>;

export const namedBreaker = (name: string, options: BreakerOptions, countsAgainst: (err: unknown) => boolean): RegionBreaker =>
    new CircuitBreaker<[Thunk], unknown>((call: Thunk) => call(), {
        name,
        errorThresholdPercentage: options.errorThresholdPercentage,
        volumeThreshold: options.volumeThreshold,
        resetTimeout: options.resetTimeoutMs,
        rollingCountTimeout: options.rollingCountTimeoutMs,
        // The inner adapter puts a deadline on every call (and on each page of a
        // listing); a second, blunter timer here would abandon a create whose
        // answer is still coming and count it twice.
        timeout: false,
        // true = "not a failure": the error still reaches the caller, the breaker does not count it.
        errorFilter: (err: unknown) => !countsAgainst(err)
    });

export type BreakerState = 'closed' | 'open' | 'half_open';

export const breakerState = (breaker: RegionBreaker): BreakerState =>
    breaker.halfOpen ? 'half_open' : breaker.opened ? 'open' : 'closed';

// opossum's own refusal, as opposed to an error of the call: with no timeout
// and no capacity set, that is EOPENBREAKER (open, or the one half-open probe
// already out). Either way nothing was sent.
export const isOpenRefusal = (err: unknown): boolean => err instanceof Error && CircuitBreaker.isOurError(err);
