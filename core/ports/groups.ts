// The groups port: a tenant's groups, policies and webhooks as stored, and
// the activity log as read. Every method is one transaction; writes that move
// desired capacity are not here (core/ports/supervision.ts).
import type { Activity } from '../model/activity';
import type { Group, GroupSpec, GroupWithPolicies, Limits, Page, PageRequest } from '../model/group';
import type { ActivityId, GroupId, PolicyId, TenantId, WebhookId } from '../model/ids';
import type { CapabilityTarget, Policy, PolicySpec, Webhook, WebhookSpec } from '../model/policy';
import type { WorkflowConfig } from '../model/workflow';

export interface GroupsStore {
    readonly kind: 'postgres' | 'pglite';
    ready(): Promise<void>; // throws until the database answers

    createGroup(tenantId: TenantId, spec: GroupSpec, limits: Limits): Promise<GroupWithPolicies>;
    listGroups(tenantId: TenantId, page: PageRequest): Promise<Page<Group>>;
    getGroup(tenantId: TenantId, groupId: GroupId): Promise<Group>;                    // NotFound
    getGroupWithPolicies(tenantId: TenantId, groupId: GroupId): Promise<GroupWithPolicies>;
    // The group's workflow (contract §7), for servers that join from now on.
    getWorkflow(tenantId: TenantId, groupId: GroupId): Promise<WorkflowConfig>;                // NotFound
    setWorkflow(tenantId: TenantId, groupId: GroupId, workflow: WorkflowConfig): Promise<void>;  // NotFound

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
    findCapability(hash: string): Promise<CapabilityTarget | null>;
    // A capability was sent a body it cannot act on: one activity row (reason
    // rejected_body), nothing else; null when the group is gone meanwhile.
    recordRejectedBody(target: CapabilityTarget, message: string): Promise<ActivityId | null>;

    listActivity(tenantId: TenantId, groupId: GroupId, page: PageRequest): Promise<Page<Activity>>;
    pruneActivity(keepPerGroup: number): Promise<number>;
}
