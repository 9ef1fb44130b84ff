// The storm guard (design idea 5): when more than a set share of a region's
// groups want to scale up at once, Nova is likely the cause or about to be the
// victim, so creations are paced: the region's creation rate is shared out
// between the groups that want it, and the activity says so.

export interface StormGuardOptions {
    readonly shareThreshold: number;   // 0..1: paced when strictly more than this share wants to scale up
    readonly minWanting: number;       // fewer groups wanting than this is never a storm (one group in a one-group region)
    readonly regionCreatesPerS: number; // the region's creation budget, shared out when paced
}

export type StormVerdict =
    | { readonly paced: false; readonly share: number }
    | { readonly paced: true; readonly share: number; readonly perGroupCreatesPerS: number; readonly message: string };

export const DEFAULT_STORM_GUARD: StormGuardOptions = { shareThreshold: 0.5, minWanting: 2, regionCreatesPerS: 10 };

export const stormGuard = (wantingUp: number, totalGroups: number, options: StormGuardOptions = DEFAULT_STORM_GUARD): StormVerdict => {
    if (!Number.isInteger(wantingUp) || !Number.isInteger(totalGroups) || wantingUp < 0 || wantingUp > totalGroups) {
        throw new RangeError(`need integers 0 <= wantingUp <= totalGroups, got ${wantingUp} of ${totalGroups}`);
    }

    if (!(options.shareThreshold >= 0 && options.shareThreshold <= 1) || !(options.regionCreatesPerS > 0)) {
        throw new RangeError('shareThreshold must be in [0, 1] and regionCreatesPerS positive');
    }

    const share = totalGroups === 0 ? 0 : wantingUp / totalGroups;
    if (wantingUp < Math.max(1, options.minWanting) || share <= options.shareThreshold) {
        return { paced: false, share };
    }

    // An even share: no group in the storm can starve the others of the region's budget.
    const perGroupCreatesPerS = options.regionCreatesPerS / wantingUp;
    const percent = Math.round(share * 100);
    return {
        paced: true,
        share,
        perGroupCreatesPerS,
        message: `storm guard: ${wantingUp} of ${totalGroups} groups (${percent} %) in the region want to scale up; creations paced to ${round3(perGroupCreatesPerS)}/s per group`
    };
};

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

// A paced group's share, drift-free: its creates fall on a schedule of one
// every 1/perGroupCreatesPerS, and a run creates the slots of the next
// windowMs at once (at least one), then comes back at the next slot. A run
// that comes late (queued behind others) keeps its slots: the schedule
// carries on from the last one, if that is less than a window ago.
export interface PacedShare {
    readonly allowed: number;
    readonly nextAt: number;            // ms: the next slot, when the group may create again
}

export const pacedShare = (perGroupCreatesPerS: number, wanted: number, lastSlotAt: number | null, nowMs: number, windowMs: number): PacedShare => {
    const periodMs = 1000 / perGroupCreatesPerS;
    const from = lastSlotAt !== null && lastSlotAt <= nowMs && lastSlotAt > nowMs - windowMs ? lastSlotAt : nowMs;
    const slots = Math.max(1, Math.ceil((nowMs + windowMs - from) / periodMs));
    const allowed = Math.max(0, Math.min(wanted, slots));
    return { allowed, nextAt: from + Math.max(1, allowed) * periodMs };
};
