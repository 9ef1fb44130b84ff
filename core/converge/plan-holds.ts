// Whether a pass may go on sending what it planned (contract §9: a pause, a
// kill-switch, an override or a new desired set through any instance holds at
// every instance within 1 s). A pass that has been sending for longer than
// PLAN_CHECK_MS looks again before its next call to Nova: its lease still its
// own, of the generation it planned under (renewed, so a long pass keeps it), and the group as it planned from:
// the same desired, the same pause, the same kill-switch mode. Otherwise what
// it has not sent is not sent, and the next pass plans again.
import type { LeaseGeneration } from '../model/ids';
import { modeInForce } from '../model/kill-switch';
import type { Clock } from '../ports/clock';
import type { ConvergenceSnapshot, ConvergenceStore, GroupHold } from '../ports/convergence';

export const PLAN_CHECK_MS = 500;

export const planHolds = (snap: Pick<ConvergenceSnapshot, 'desired' | 'paused' | 'killSwitches'>, current: GroupHold | null, region: string | null, now: Date): boolean =>
    current !== null && current.desired === snap.desired && current.paused === snap.paused &&
    modeInForce(current.killSwitches, region, now) === modeInForce(snap.killSwitches, region, now);

export interface HoldsDeps {
    readonly store: Pick<ConvergenceStore, 'claimLease' | 'groupHold'>;
    readonly clock: Clock;
    readonly holder: string;
    readonly leaseTtlMs: number;
    readonly region: string | null;
}

// The pass's check, asked before each call: none within PLAN_CHECK_MS of the
// plan or of the last look; one look at a time, however many calls ask; once
// false, false for the rest of the pass.
export const passHolds = (deps: HoldsDeps, snap: Pick<ConvergenceSnapshot, 'groupId' | 'desired' | 'paused' | 'killSwitches'>, planned: Date, generation: LeaseGeneration): (() => Promise<boolean>) => {
    let looked = planned.getTime();
    let holding = true;
    let looking: Promise<boolean> | null = null;
    const look = async (now: Date): Promise<boolean> => {
        const held = await deps.store.claimLease(snap.groupId, deps.holder, now, deps.leaseTtlMs) === generation &&
            planHolds(snap, await deps.store.groupHold(snap.groupId), deps.region, now);
        holding = held;
        looked = deps.clock.now().getTime();
        return held;
    };

    return () => {
        const now = deps.clock.now();
        if (looking !== null) {
            return looking;
        }

        if (!holding || now.getTime() - looked < PLAN_CHECK_MS) {
            return Promise.resolve(holding);
        }

        looking = look(now).finally(() => {
            looking = null;
        });
        return looking;
    };
};
