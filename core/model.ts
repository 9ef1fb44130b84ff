// The words of the design, as types. Wire shapes (Otter v1.0) are built from
// these in plugin/views.ts.
import type { GroupId, PolicyId, TenantId, WebhookId } from './ids';

export type Metadata = Readonly<Record<string, string>>;

export interface GroupConfig {
    readonly name: string;
    readonly cooldown: number;          // seconds
    readonly minEntities: number;
    readonly maxEntities: number | null; // null: only the system ceiling applies
    readonly metadata: Metadata;
}

export interface LoadBalancer {
    readonly loadBalancerId: string | number;
    readonly port: number;
}

// `server` goes to Nova as the customer wrote it (contract §3).
export interface LaunchConfig {
    readonly type: 'launch_server';
    readonly args: {
        readonly server: Readonly<Record<string, unknown>>;
        readonly loadBalancers?: readonly LoadBalancer[];
    };
}

// Exactly one way for a policy to move desired capacity.
export type Adjustment =
    | { readonly change: number }
    | { readonly changePercent: number }
    | { readonly desiredCapacity: number };

export type ScheduleArgs = { readonly at: string } | { readonly cron: string };

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

export type GroupStatus = 'ACTIVE' | 'ERROR' | 'DELETING';

export interface GroupState {
    readonly desiredCapacity: number;
    readonly activeCapacity: number;
    readonly pendingCapacity: number;
    readonly paused: boolean;
    readonly status: GroupStatus;
    readonly errors: readonly { readonly message: string }[];
    readonly active: readonly { readonly id: string }[];
    readonly orphans: readonly { readonly id: string }[];
}

export interface Group {
    readonly id: GroupId;
    readonly tenantId: TenantId;
    readonly config: GroupConfig;
    readonly launch: LaunchConfig;
    readonly state: GroupState;
}

export interface GroupSpec {
    readonly config: GroupConfig;
    readonly launch: LaunchConfig;
    readonly policies: readonly PolicySpec[];
}

export interface Page<T> {
    readonly items: readonly T[];
    readonly next: string | null; // marker for the next page
}

// Per-tenant ceilings (Otter's absolute limits); 422 when a write would pass one.
export interface Limits {
    readonly maxGroups: number;
    readonly maxPoliciesPerGroup: number;
    readonly maxWebhooksPerPolicy: number;
}

export const defaultLimits: Limits = { maxGroups: 1000, maxPoliciesPerGroup: 100, maxWebhooksPerPolicy: 25 };

// The system ceiling on any group's size.
export const maxEntitiesCeiling = 1000;
