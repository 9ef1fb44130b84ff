// The creation budget of one region: a token bucket for creates per second and
// a cap on creates in flight (design idea 5). Pure: the state and the time go
// in, a decision and the next state come out; the guard keeps the state. Nova
// servers and Octavia members are paced by the same rules, each with its own state.

export interface CreateBudgetLimits {
    readonly createsPerS: number;   // the bucket's refill rate
    readonly burst: number;         // the bucket's size: creates allowed back to back after a quiet spell
    readonly maxInFlight: number;   // creates sent and not yet answered
    // How long a create may wait for its turn before it is refused 'held' (0:
    // refused at once). A short wait in our process costs Nova nothing, where a
    // refusal costs the group another pass (and a listing) to come back.
    readonly maxWaitMs: number;
}

export interface CreateBudgetState {
    readonly tokens: number;        // may be fractional
    readonly atMs: number;          // when `tokens` was last brought up to date
    readonly inFlight: number;
}

export type CreateAdmission =
    | { readonly admitted: true; readonly state: CreateBudgetState }
    // waitMs: when a token will be there ('rate'), or the next token's interval as a hint ('in_flight':
    // the time a create takes is unknown). The state is unchanged but for the refill.
    | { readonly admitted: false; readonly why: 'rate' | 'in_flight'; readonly waitMs: number; readonly state: CreateBudgetState };

// Refills add fractions (50 ms at 2/s is 0.1, not exactly representable): ten
// of them must make a whole token, so "less than one" allows for rounding.
const TOKEN_EPSILON = 1e-9;

export const DEFAULT_CREATE_BUDGET: CreateBudgetLimits = { createsPerS: 10, burst: 10, maxInFlight: 20, maxWaitMs: 2000 };

export const checkBudgetLimits = (limits: CreateBudgetLimits): CreateBudgetLimits => {
    if (!(Number.isFinite(limits.createsPerS) && limits.createsPerS > 0)) {
        throw new RangeError(`createsPerS must be a positive number, got ${limits.createsPerS}`);
    }

    for (const [name, value] of [['burst', limits.burst], ['maxInFlight', limits.maxInFlight]] as const) {
        if (!Number.isInteger(value) || value < 1) {
            throw new RangeError(`${name} must be a positive integer, got ${value}`);
        }
    }

    if (!Number.isInteger(limits.maxWaitMs) || limits.maxWaitMs < 0) {
        throw new RangeError(`maxWaitMs must be a non-negative integer, got ${limits.maxWaitMs}`);
    }

    return limits;
};

// A full bucket: a region nobody has created in yet may use its burst at once.
export const freshBudget = (limits: CreateBudgetLimits, nowMs: number): CreateBudgetState =>
    ({ tokens: limits.burst, atMs: nowMs, inFlight: 0 });

export const refill = (state: CreateBudgetState, limits: CreateBudgetLimits, nowMs: number): CreateBudgetState => {
    // A clock that steps back refills nothing rather than draining the bucket.
    const elapsedMs = Math.max(0, nowMs - state.atMs);
    const tokens = Math.min(limits.burst, state.tokens + (elapsedMs * limits.createsPerS) / 1000);
    return { ...state, tokens, atMs: Math.max(state.atMs, nowMs) };
};

// Why a budget brought up to date (refill) takes no create now, and how long
// until it might: the in-flight cap first (then the next token's interval as a
// hint, the time a create takes being unknown), else the rate (0 when a token is there).
export const budgetWait = (now: CreateBudgetState, limits: CreateBudgetLimits): { readonly why: 'rate' | 'in_flight'; readonly waitMs: number } => {
    const intervalMs = 1000 / limits.createsPerS;
    return now.inFlight >= limits.maxInFlight ?
        { why: 'in_flight', waitMs: Math.ceil(intervalMs) } :
        { why: 'rate', waitMs: Math.max(0, Math.ceil((1 - now.tokens) * intervalMs)) };
};

export const admitCreate = (state: CreateBudgetState, limits: CreateBudgetLimits, nowMs: number): CreateAdmission => {
    const now = refill(state, limits, nowMs);
    if (now.inFlight >= limits.maxInFlight || now.tokens < 1 - TOKEN_EPSILON) {
        return { admitted: false, ...budgetWait(now, limits), state: now };
    }

    return { admitted: true, state: { ...now, tokens: Math.max(0, now.tokens - 1), inFlight: now.inFlight + 1 } };
};

// Whatever the answer (success, failure, timeout), the create no longer counts as in flight.
export const finishCreate = (state: CreateBudgetState): CreateBudgetState =>
    ({ ...state, inFlight: Math.max(0, state.inFlight - 1) });
