// Alert transitions from the host monitoring server (contract §6), in the
// words the supervisor uses for them.
import type { TriggerResult } from './trigger';

export type AlertState = 'OK' | 'WARNING' | 'CRITICAL';

export interface AutoscaleAction {
    readonly type: 'autoscale';
    readonly groupId: string;
    readonly policyId: string;
}

export interface AlertTransition {
    readonly tenantId: string;
    readonly ruleId: string;
    readonly entityId?: string | undefined;
    readonly eventId: string;
    readonly at: Date;
    readonly from: AlertState;
    readonly to: AlertState;
    readonly actions: readonly AutoscaleAction[];
    readonly requestId?: string | undefined;   // the host's id of the request it came in with, for the operator's log
}

export interface TransitionOutcome {
    // taken: a new transition; replay: its event id was seen before;
    // stale: older than the last one seen for that alert (ignored, logged).
    readonly status: 'taken' | 'replay' | 'stale';
    readonly triggers: readonly TriggerResult[];
}

// What the plugin's intake offers the capability webhook route and the host.
export interface AlertIntake {
    transition(transition: AlertTransition): Promise<TransitionOutcome>;
}

export interface AlertKey {
    readonly tenantId: string;
    readonly ruleId: string;
    readonly entityId: string;       // '' when the rule has no entity
}

export interface Episode {
    readonly state: AlertState;
    readonly lastAt: Date;           // the newest transition's `at`
    readonly attempts: number;       // attempts of the current (or last) episode
    readonly nextAttemptAt: Date | null;
}

export type EpisodeStep =
    | { readonly kind: 'stale'; readonly lastAt: Date }        // older than the last seen (lastAt): ignored
    | { readonly kind: 'start'; readonly episode: Episode }    // a new episode: its first attempt is due now
    | { readonly kind: 'hold'; readonly episode: Episode }     // still CRITICAL: nothing new to do
    | { readonly kind: 'end'; readonly episode: Episode }      // no longer CRITICAL: no more circling back
    | { readonly kind: 'note'; readonly episode: Episode };    // between non-critical states

// What the store hands back for a transition.
export interface AlertRecord extends AlertKey {
    readonly eventId: string;
    readonly at: Date;
    readonly to: AlertState;
    readonly actions: readonly AutoscaleAction[];
    readonly now: Date;
}

export type AlertRecorded =
    | { readonly status: 'replay' }
    | { readonly status: 'stale'; readonly lastAt: Date }
    | { readonly status: 'taken'; readonly step: Exclude<EpisodeStep['kind'], 'stale'> };

// A CRITICAL for an alert with no episode row yet, started and its first
// attempt claimed in one step (the common case, kept to one statement).
export type EpisodeStart =
    | { readonly status: 'replay' }
    | { readonly status: 'started'; readonly claim: AttemptClaim }
    | { readonly status: 'exists' };    // the alert has a row: take the general path

// Claim due attempts: all due episodes (the loop), or one key at a given count (intake).
export interface AttemptClaimRequest {
    readonly now: Date;
    readonly cap: number;
    readonly floorMs: number;
    readonly limit: number;
    readonly only?: AlertKey & { readonly attempts: number };
}

export interface AttemptClaim {
    readonly key: AlertKey;
    readonly attempt: number;        // 1-based: this attempt's number in its episode
    readonly actions: readonly AutoscaleAction[];
    readonly nextAttemptAt: Date;
}
