// Scaling policies and the webhooks that trigger them.
import type { GroupId, PolicyId, TenantId, WebhookId } from './ids';
import type { Metadata } from './metadata';

// Exactly one way for a policy to move desired capacity.
export type Adjustment =
    | { readonly change: number }
    | { readonly changePercent: number }
    | { readonly desiredCapacity: number };

// `at`: ISO-8601 UTC; `cron`: 5 fields, in `timezone` (an IANA name) or UTC.
export type ScheduleArgs = { readonly at: string } | { readonly cron: string; readonly timezone?: string };

export type PolicyTrigger =
    | { readonly type: 'webhook' }
    | { readonly type: 'schedule'; readonly args: ScheduleArgs };

export interface PolicySpec {
    readonly name: string;
    readonly cooldown: number;
    readonly adjustment: Adjustment;
    readonly trigger: PolicyTrigger;
}

export interface Policy extends PolicySpec {
    readonly id: PolicyId;
    readonly groupId: GroupId;
}

export interface WebhookSpec {
    readonly name: string;
    readonly metadata: Metadata;
}

export interface Webhook extends WebhookSpec {
    readonly id: WebhookId;
    readonly policyId: PolicyId;
    readonly groupId: GroupId;
    readonly capability: string; // the secret part of the capability URL
}

// Where a capability URL points (contract §4): looked up by the capability's SHA-256.
export interface CapabilityTarget {
    readonly tenantId: TenantId;
    readonly groupId: GroupId;
    readonly policyId: PolicyId;
    readonly webhookId: WebhookId;
}
