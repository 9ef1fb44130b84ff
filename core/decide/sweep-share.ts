// The self-heal sweep is shared, not repeated (contract §9): each live
// instance sweeps the groups whose id hashes to its place among the live
// ones (sorted by id), so one instance looks at a group each period instead
// of every instance. A partition by hash rather than claimed pages: nothing
// to write, and a group's sweeper changes only when an instance comes or goes.
// An instance not (yet, or no longer) among the live ones sweeps every group:
// a group looked at twice costs a look; one looked at by no one would wait.
export interface SweepShare {
    readonly index: number;    // this instance's part
    readonly of: number;       // how many parts
}

export const WHOLE: SweepShare = { index: 0, of: 1 };

export const sweepShare = (live: readonly string[], self: string): SweepShare => {
    const sorted = [...new Set(live)].sort();
    const index = sorted.indexOf(self);
    return index < 0 ? WHOLE : { index, of: sorted.length };
};
