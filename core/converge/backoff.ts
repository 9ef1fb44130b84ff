// How long a group whose builds keep failing waits before the converger tries
// to create for it again (design idea 5): exponential, capped, with optional
// jitter so groups that failed together do not come back together.

// The delay after `consecutiveFailures` failed builds in a row, in the unit of
// `base` and `cap` (ms by convention). 0 failures: no wait. Then base, 2·base,
// 4·base, ... up to cap. `jitter` is a random sample in [0, 1) drawn by the
// caller (Math.random()), kept out so the function stays pure; it spreads the
// delay over [d/2, d) ("equal jitter"), so a delay never falls below half of
// the exponential step and the backoff still grows.
export const backoffFor = (consecutiveFailures: number, base: number, cap: number, jitter?: number): number => {
    if (!Number.isInteger(consecutiveFailures) || consecutiveFailures < 0) {
        throw new RangeError(`consecutiveFailures must be a non-negative integer, got ${consecutiveFailures}`);
    }

    if (!Number.isFinite(base) || !Number.isFinite(cap) || base < 0 || cap < 0) {
        throw new RangeError(`base and cap must be finite and non-negative, got ${base} and ${cap}`);
    }

    if (jitter !== undefined && !(jitter >= 0 && jitter < 1)) {
        throw new RangeError(`jitter must be in [0, 1), got ${jitter}`);
    }

    if (consecutiveFailures === 0) {
        return 0;
    }

    // 2 ** 1100 is Infinity, which the cap absorbs: no overflow to guard.
    const delay = Math.min(cap, base * 2 ** (consecutiveFailures - 1));
    return jitter === undefined ? delay : delay / 2 + (jitter * delay) / 2;
};
