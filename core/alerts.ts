// Alert transitions from the host monitoring server (contract §6), in the
// words the supervisor uses for them.
import type { TriggerResult } from './ports/store';

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
