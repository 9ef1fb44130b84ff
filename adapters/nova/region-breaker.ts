// Nova's breaker per region, named compute:<region>. Only Nova's own trouble
// counts towards opening it; the caller's mistakes (400, 401, 403, 404) are
// answers from a working Nova and pass through untouched.
import { ComputeError, type ComputeErrorKind } from '../../core/model/server';
import { type BreakerOptions, namedBreaker, type RegionBreaker } from '../guard/breaker';

export { type BreakerOptions, type BreakerState, DEFAULT_BREAKER, type RegionBreaker, type Thunk } from '../guard/breaker';

// What trips the breaker: Nova failing or overloaded, not Nova refusing a bad request.
export const TRIPPING_KINDS: ReadonlySet<ComputeErrorKind> = new Set<ComputeErrorKind>(['server_error', 'unavailable', 'timeout', 'network', 'over_limit']);

export const countsAgainstNova = (err: unknown): boolean => err instanceof ComputeError && TRIPPING_KINDS.has(err.kind);

export const regionBreaker = (region: string, options: BreakerOptions): RegionBreaker =>
    namedBreaker(`compute:${region}`, options, countsAgainstNova);
