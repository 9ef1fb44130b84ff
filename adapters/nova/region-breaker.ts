// One opossum breaker per region around compute calls (design idea 5). Only
// Nova's own trouble counts towards opening it; the caller's mistakes (400,
// 401, 403, 404) are answers from a working Nova and pass through untouched.
import CircuitBreaker from 'opossum';
import { ComputeError, type ComputeErrorKind } from '../../core/model/server';

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

// What trips the breaker: Nova failing or overloaded, not Nova refusing a bad request.
export const TRIPPING_KINDS: ReadonlySet<ComputeErrorKind> = new Set<ComputeErrorKind>(['server_error', 'unavailable', 'timeout', 'network', 'over_limit']);

export const countsAgainstNova = (err: unknown): boolean => err instanceof ComputeError && TRIPPING_KINDS.has(err.kind);

export type Thunk = () => Promise<unknown>;
export type RegionBreaker = CircuitBreaker<[Thunk], unknown>;

export const regionBreaker = (region: string, options: BreakerOptions): RegionBreaker =>
    new CircuitBreaker<[Thunk], unknown>((call: Thunk) => call(), {
        name: `compute:${region}`,
        errorThresholdPercentage: options.errorThresholdPercentage,
        volumeThreshold: options.volumeThreshold,
        resetTimeout: options.resetTimeoutMs,
        rollingCountTimeout: options.rollingCountTimeoutMs,
        // The inner adapter puts a deadline on every call (and on each page of a
        // listing); a second, blunter timer here would abandon a create whose
        // answer is still coming and count it twice.
        timeout: false,
        // true = "not a failure": the error still reaches the caller, the breaker does not count it.
        errorFilter: (err: unknown) => !countsAgainstNova(err)
    });

export type BreakerState = 'closed' | 'open' | 'half_open';

export const breakerState = (breaker: RegionBreaker): BreakerState =>
    breaker.halfOpen ? 'half_open' : breaker.opened ? 'open' : 'closed';

// opossum's own refusal, as opposed to an error of the call: with no timeout
// and no capacity set, that is EOPENBREAKER (open, or the one half-open probe
// already out). Either way nothing was sent.
export const isOpenRefusal = (err: unknown): boolean => err instanceof Error && CircuitBreaker.isOurError(err);
