// A region's creation budget as the guard asks it: this process's own
// (below), or the cluster's (cluster-budget.ts). The arithmetic is budget.ts's.
import { admitCreate, type CreateBudgetLimits, type CreateBudgetState, finishCreate, freshBudget } from './budget';

export type BudgetAnswer =
    | { readonly admitted: true; readonly finish: () => Promise<void> }    // call once the create is answered, whatever the answer
    | { readonly admitted: false; readonly why: 'rate' | 'in_flight'; readonly waitMs: number }
    | { readonly admitted: false; readonly why: 'unknown' };              // the cluster's budget could not be read: no create

export interface RegionBudget {
    // Runs `work` (a create waiting for its turn) when this process may ask.
    turn<T>(work: () => Promise<T>): Promise<T>;
    admit(nowMs: number): Promise<BudgetAnswer>;
    inFlight(): number;                                                   // this process's creates sent and not yet answered
}

// One process alone: the bucket lives here and answers at once, so waiting
// creates need no turns.
export const localBudget = (limits: CreateBudgetLimits, nowMs: number): RegionBudget => {
    let state: CreateBudgetState = freshBudget(limits, nowMs);
    return {
        turn: (work) => work(),
        admit: (now) => {
            const admission = admitCreate(state, limits, now);
            state = admission.state;
            if (!admission.admitted) {
                return Promise.resolve({ admitted: false, why: admission.why, waitMs: admission.waitMs });
            }

            return Promise.resolve({
                admitted: true, finish: () => {
                    state = finishCreate(state);
                    return Promise.resolve();
                }
            });
        },
        inFlight: () => state.inFlight
    };
};
