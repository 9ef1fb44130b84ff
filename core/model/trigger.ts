// A trigger: anything that asks a policy to run (contract §4, design "trigger").
import type { ActivitySource, TriggerReason } from './activity';
import type { ActivityId, GroupId, PolicyId, TenantId } from './ids';

export interface TriggerRequest {
    readonly tenantId: TenantId;
    readonly groupId: GroupId;
    readonly policyId: PolicyId;
    readonly source: ActivitySource;
    readonly eventId: string | null;   // taken once in its group
    readonly forced: boolean;          // admin: skips cooldown and debounce
    readonly circleBack: boolean;      // the supervisor trying again for a held alert
    readonly who: string;
    readonly note: string | null;      // why (a forced trigger's reason)
    readonly requestId?: string | undefined;  // the host's id of the request it came in with, for the operator's log
}

export interface TriggerRules {
    readonly debounceMs: number;
    readonly region: string | null;    // the region kill-switches are matched against
}

export interface TriggerResult {
    readonly activityId: ActivityId;
    readonly decisionId: ActivityId;   // itself, or the decision it was coalesced into
    readonly outcome: 'accepted' | 'refused' | 'coalesced';
    readonly reason: TriggerReason;
    readonly desiredBefore: number;
    readonly desiredAfter: number;
    readonly message: string;
    readonly replay: boolean;          // the event id was seen before: nothing was written
}
