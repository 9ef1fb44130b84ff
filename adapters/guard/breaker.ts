// One opossum breaker per upstream and region (design idea 5). The adapter
// names it and says which errors are the upstream's own trouble; the caller's
// mistakes are answers from a working service and pass through uncounted.
import CircuitBreaker from 'opossum';

export interface BreakerOptions {
    readonly errorThresholdPercentage: number;  // open when more than this share of calls in the window failed
    readonly volumeThreshold: number;           // ... and at least this many calls were made in the window
    readonly resetTimeoutMs: number;            // open this long, then one probe (half-open)
    readonly rollingCountTimeoutMs: number;     // the statistical window
    // ... or when this many calls in a row failed, whatever the window holds:
    // after a busy spell the window's successes would otherwise let a dead
    // upstream take as many failures before the share is reached.
    readonly consecutiveFailures: number;
}

export const DEFAULT_BREAKER: BreakerOptions = {
    errorThresholdPercentage: 50,
    volumeThreshold: 5,
    resetTimeoutMs: 30_000,
    rollingCountTimeoutMs: 10_000,
    consecutiveFailures: 5
};

export type Thunk = () => Promise<unknown>;
export type RegionBreaker = CircuitBreaker<[Thunk], unknown>;

export const namedBreaker = (name: string, options: BreakerOptions, countsAgainst: (err: unknown) => boolean): RegionBreaker => {
    const breaker = new CircuitBreaker<[Thunk], unknown>((call: Thunk) => call(), {
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
    // A filtered error is a success to opossum: an answer from a working upstream.
    let inARow = 0;
    breaker.on('success', () => {
        inARow = 0;
    });
    breaker.on('failure', () => {
        inARow++;
        if (inARow >= options.consecutiveFailures && breaker.closed) {
            breaker.open();
        }
    });
    breaker.on('open', () => {
        inARow = 0;
    });
    return breaker;
};

export type BreakerState = 'closed' | 'open' | 'half_open';

export const breakerState = (breaker: RegionBreaker): BreakerState =>
    breaker.halfOpen ? 'half_open' : breaker.opened ? 'open' : 'closed';

// opossum's own refusal, as opposed to an error of the call: with no timeout
// and no capacity set, that is EOPENBREAKER (open, or the one half-open probe
// already out). Either way nothing was sent.
export const isOpenRefusal = (err: unknown): boolean => err instanceof Error && CircuitBreaker.isOurError(err);
