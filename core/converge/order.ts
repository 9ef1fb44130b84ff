// Which servers a scale-down removes first (contract §3): servers still
// building, then those in their launch workflow, before those in service
// (they serve nothing yet and cost the least to lose), then the newest by the ledger's create time (the oldest have proven
// themselves), ties broken by the higher server id. A pure sort with explicit
// tie-breaks, so every instance and every retry picks the same victims.

export type ScaleDownPhase = 'building' | 'joining' | 'active';

export interface ScaleDownCandidate {
    readonly serverId: string;
    readonly intentId: string;
    readonly phase: ScaleDownPhase;
    readonly createdAt: Date;        // the ledger's create time: our clock, not Nova's
}

const phaseRank: Readonly<Record<ScaleDownPhase, number>> = { building: 0, joining: 1, active: 2 };

// Code-unit order, not locale order: the same answer on every host.
const higherIdFirst = (a: string, b: string): number => (a === b ? 0 : a > b ? -1 : 1);

export const compareForScaleDown = (a: ScaleDownCandidate, b: ScaleDownCandidate): number =>
    phaseRank[a.phase] - phaseRank[b.phase] ||
    b.createdAt.getTime() - a.createdAt.getTime() ||
    higherIdFirst(a.serverId, b.serverId);

export const orderScaleDown = <T extends ScaleDownCandidate>(candidates: readonly T[]): T[] =>
    [...candidates].sort(compareForScaleDown);

// The first `count` victims in that order (none for a count of zero or less).
export const pickScaleDown = <T extends ScaleDownCandidate>(candidates: readonly T[], count: number): T[] =>
    orderScaleDown(candidates).slice(0, Math.max(0, count));
