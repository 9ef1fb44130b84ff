// A trigger against what the store read for it: a repeat of an event answers
// as the first did, a trigger within the debounce window coalesces into the
// policy's latest decision, anything else is decided (core/decide/policy.ts).
// Pure: the store reads the snapshot and writes what this returns.
import { coalesces } from './debounce';
import { decidePolicy, type Decision, type DecisionInput } from './policy';
import type { TriggerReason } from '../model/activity';

export interface PriorOutcome {
    readonly activityId: string;
    readonly decisionId: string;
    readonly outcome: 'accepted' | 'refused' | 'coalesced';
    readonly reason: TriggerReason;
    readonly desiredBefore: number;
    readonly desiredAfter: number;
    readonly message: string;
}

export interface TriggerSnapshot {
    readonly decisionInput: DecisionInput;
    readonly prior: PriorOutcome | null;                          // the event id's first answer
    readonly lastDecision: { readonly id: string; readonly at: Date } | null;
}

// What the store reads for a trigger: the snapshot but the time, which is
// taken after the read (a decision committed meanwhile is never in its future).
export interface TriggerRead extends Omit<TriggerSnapshot, 'decisionInput'> {
    readonly decisionInput: Omit<DecisionInput, 'now'>;
}

export type TriggerOutcome =
    | { readonly kind: 'replay'; readonly prior: PriorOutcome }
    | { readonly kind: 'coalesced'; readonly decisionId: string; readonly desired: number; readonly message: string }
    | { readonly kind: 'decided'; readonly decision: Decision };

export const decideTrigger = (snapshot: TriggerSnapshot, debounceMs: number): TriggerOutcome => {
    if (snapshot.prior) {
        return { kind: 'replay', prior: snapshot.prior };
    }

    const { now, trigger, group } = snapshot.decisionInput;
    const last = snapshot.lastDecision;
    if (last && coalesces(last.at, now, debounceMs, trigger.forced)) {
        return { kind: 'coalesced', decisionId: last.id, desired: group.desired, message: `Coalesced into decision ${last.id} (within ${debounceMs} ms)` };
    }

    return { kind: 'decided', decision: decidePolicy(snapshot.decisionInput) };
};
