// The storage port: every method is one transaction, and a refused write
// (a DomainError thrown from inside) leaves nothing behind.
import type { GroupId, PolicyId, TenantId, WebhookId } from '../ids';
import type {
    Group, GroupConfig, GroupSpec, LaunchConfig, Limits, Page, Policy, PolicySpec, Webhook, WebhookSpec
} from '../model';

export interface PageRequest {
    readonly limit: number;
    readonly marker?: string | undefined;
}

export interface GroupWithPolicies {
    readonly group: Group;
    readonly policies: readonly Policy[];
}

export interface ActivityInput {
    readonly source: 'alert' | 'webhook' | 'schedule' | 'manual' | 'converger' | 'admin';
    readonly kind: string;
    readonly outcome: 'accepted' | 'refused' | 'done' | 'failed';
    readonly reason: string;
    readonly message: string;
    readonly desiredBefore: number | null;
    readonly desiredAfter: number | null;
    readonly who: string;
}

// A pure rule the store applies to the locked current group when its config changes.
export type ConfigChange = (current: Group, next: GroupConfig) => { readonly desired: number; readonly activity: ActivityInput | null };

export interface Store {
    readonly kind: 'postgres' | 'pglite';
    ready(): Promise<void>; // throws until the database answers

    createGroup(tenantId: TenantId, spec: GroupSpec, limits: Limits): Promise<GroupWithPolicies>;
    listGroups(tenantId: TenantId, page: PageRequest): Promise<Page<Group>>;
    getGroup(tenantId: TenantId, groupId: GroupId): Promise<Group>;                    // NotFound
    getGroupWithPolicies(tenantId: TenantId, groupId: GroupId): Promise<GroupWithPolicies>;
    deleteGroup(tenantId: TenantId, groupId: GroupId, force: boolean): Promise<void>;  // 403 unless empty
    updateConfig(tenantId: TenantId, groupId: GroupId, config: GroupConfig, change: ConfigChange): Promise<void>;
    updateLaunch(tenantId: TenantId, groupId: GroupId, launch: LaunchConfig): Promise<void>;
    setPaused(tenantId: TenantId, groupId: GroupId, paused: boolean, who: string): Promise<void>;

    createPolicies(tenantId: TenantId, groupId: GroupId, specs: readonly PolicySpec[], limits: Limits): Promise<readonly Policy[]>;
    listPolicies(tenantId: TenantId, groupId: GroupId, page: PageRequest): Promise<Page<Policy>>;
    getPolicy(tenantId: TenantId, groupId: GroupId, policyId: PolicyId): Promise<Policy>;
    updatePolicy(tenantId: TenantId, groupId: GroupId, policyId: PolicyId, spec: PolicySpec): Promise<void>;
    deletePolicy(tenantId: TenantId, groupId: GroupId, policyId: PolicyId): Promise<void>;

    createWebhooks(tenantId: TenantId, groupId: GroupId, policyId: PolicyId, specs: readonly WebhookSpec[], limits: Limits): Promise<readonly Webhook[]>;
    listWebhooks(tenantId: TenantId, groupId: GroupId, policyId: PolicyId, page: PageRequest): Promise<Page<Webhook>>;
    getWebhook(tenantId: TenantId, groupId: GroupId, policyId: PolicyId, webhookId: WebhookId): Promise<Webhook>;
    updateWebhook(tenantId: TenantId, groupId: GroupId, policyId: PolicyId, webhookId: WebhookId, spec: WebhookSpec): Promise<void>;
    deleteWebhook(tenantId: TenantId, groupId: GroupId, policyId: PolicyId, webhookId: WebhookId): Promise<void>;
    webhooksOfGroup(tenantId: TenantId, groupId: GroupId): Promise<readonly Webhook[]>;

    close(): Promise<void>;
}
