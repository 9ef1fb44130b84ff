// A scaling group: its config, launch configuration and state, and the
// bounds every group lives within. Wire shapes (Otter v1.0) are built from
// these in plugin/wire.ts.
import type { GroupId, TenantId } from './ids';
import type { MemberTarget } from './load-balancer';
import type { Metadata } from './metadata';
import type { Policy, PolicySpec } from './policy';

export type { Metadata } from './metadata';

export interface GroupConfig {
    readonly name: string;
    readonly cooldown: number;          // seconds
    readonly minEntities: number;
    readonly maxEntities: number | null; // null: only the system ceiling applies
    readonly metadata: Metadata;
}

// `server` goes to Nova as the customer wrote it (contract §3).
export interface LaunchConfig {
    readonly type: 'launch_server';
    readonly args: {
        readonly server: Readonly<Record<string, unknown>>;
        // The pools each server joins once ACTIVE, and leaves (after drainingTimeoutS, default 0) before its delete.
        readonly loadBalancers?: readonly MemberTarget[];
        readonly drainingTimeoutS?: number;
    };
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

export interface PageRequest {
    readonly limit: number;
    readonly marker?: string | undefined;
}

export interface GroupWithPolicies {
    readonly group: Group;
    readonly policies: readonly Policy[];
}
