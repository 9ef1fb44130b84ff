// What the engine tells the operator as it happens (contract §10, design
// idea 9): the plugin counts it (a Prometheus registry, unless the host
// turned metrics off) and logs it through the host's logger. Without it,
// nothing is told.
import type { ConvergeOutcome } from '../converge/run';
import type { WorkflowFailureReason } from '../model/activity';
import type { GroupId, PolicyId, TenantId } from '../model/ids';
import type { WorkflowEvent, WorkflowResult } from '../model/workflow';
import type { TriggerRequest, TriggerResult } from '../model/trigger';

export type ScheduleFiring = 'fired' | 'replayed' | 'missed';

// A schedule policy's due times: fired here, replayed (decided by another instance), or missed.
export interface ScheduleFiringTold {
    readonly result: ScheduleFiring;
    readonly count: number;
    readonly tenantId: TenantId;
    readonly groupId: GroupId;
    readonly policyId: PolicyId;
    readonly due: Date;                    // the due time (the newest, for missed ones)
}

// A webhook delivery ended (written), or one of its attempts failed and waits for another.
export type DeliveryTold = {
    readonly deliveryId: string;
    readonly groupId: GroupId;
    readonly serverId: string;
    readonly event: WorkflowEvent;
    readonly attempts: number;
} & (
    | { readonly kind: 'ended'; readonly result: WorkflowResult; readonly reason: WorkflowFailureReason | null; readonly why: string }
    | { readonly kind: 'retry'; readonly at: Date; readonly why: string }
);

export interface Telemetry {
    // A trigger decided here (a replay of one decided before is not told again).
    decision(request: TriggerRequest, result: TriggerResult): void;
    // A converger run's outcome ('error' for one that threw).
    convergeRun(groupId: GroupId, result: ConvergeOutcome | 'error'): void;
    delivery(delivery: DeliveryTold): void;
    scheduleFiring(firing: ScheduleFiringTold): void;
}

export const noTelemetry: Telemetry = {
    decision: () => undefined,
    convergeRun: () => undefined,
    delivery: () => undefined,
    scheduleFiring: () => undefined
};
