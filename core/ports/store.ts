// The storage port: every method is one transaction, and a refused write
// (a DomainError thrown from inside) leaves nothing behind.
import type { AlertRecord, AlertRecorded, AttemptClaim, AttemptClaimRequest, EpisodeStart } from '../model/alert';
import type { ActivityId, GroupId, PolicyId, TenantId, WebhookId } from '../model/ids';
import type { KillSwitch, KillSwitchScope } from '../model/kill-switch';
import type { Override } from '../model/override';
import type { Activity, ActivityInput, ActivitySource } from '../model/activity';
import type { TriggerRequest, TriggerResult, TriggerRules } from '../model/trigger';
import type { ConvergenceStore } from './convergence';
import type { Group, GroupConfig, GroupSpec, GroupWithPolicies, LaunchConfig, Limits, Page, PageRequest } from '../model/group';
import type { CapabilityTarget, Policy, PolicySpec, Webhook, WebhookSpec } from '../model/policy';

// A pure rule the store applies to the locked current group when its config changes.
export type ConfigChange = (current: Group, next: GroupConfig) => { readonly desired: number; readonly activity: ActivityInput | null };

export interface Store extends ConvergenceStore {
    readonly kind: 'postgres' | 'pglite';
    ready(): Promise<void>; // throws until the database answers

    createGroup(tenantId: TenantId, spec: GroupSpec, limits: Limits): Promise<GroupWithPolicies>;
    listGroups(tenantId: TenantId, page: PageRequest): Promise<Page<Group>>;
    getGroup(tenantId: TenantId, groupId: GroupId): Promise<Group>;                    // NotFound
    getGroupWithPolicies(tenantId: TenantId, groupId: GroupId): Promise<GroupWithPolicies>;
    // 403 unless empty; with force and servers left: desired 0, status DELETING, the converger finishes.
    deleteGroup(tenantId: TenantId, groupId: GroupId, force: boolean, who?: string): Promise<'deleted' | 'deleting'>;
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
    findCapability(hash: string): Promise<CapabilityTarget | null>;
    // A capability was sent a body it cannot act on: one activity row (reason
    // rejected_body), nothing else; null when the group is gone meanwhile.
    recordRejectedBody(target: CapabilityTarget, message: string): Promise<ActivityId | null>;

    // The supervisor: one transaction decides and records (core/decide/policy.ts).
    trigger(request: TriggerRequest, rules: TriggerRules): Promise<TriggerResult>;
    listActivity(tenantId: TenantId, groupId: GroupId, page: PageRequest): Promise<Page<Activity>>;
    pruneActivity(keepPerGroup: number): Promise<number>;

    getOverride(tenantId: TenantId, groupId: GroupId): Promise<Override | null>;
    setOverride(tenantId: TenantId, groupId: GroupId, override: Override, source: ActivitySource, region?: string | null): Promise<void>; // 400 out of bounds, 403 kill_switch
    clearOverride(tenantId: TenantId, groupId: GroupId, who: string, source: ActivitySource): Promise<void>;
    requestConverge(tenantId: TenantId, groupId: GroupId, who: string): Promise<{ readonly activityId: ActivityId; readonly paused: boolean }>; // writes its activity row, refused or not

    listKillSwitches(): Promise<readonly KillSwitch[]>;
    setKillSwitch(killSwitch: KillSwitch): Promise<void>;
    clearKillSwitch(scope: KillSwitchScope): Promise<boolean>;

    // Alert intake (contract §6): takes the event id once and moves the alert's
    // episode (core/decide/alert-episode.ts), one transaction.
    recordAlert(record: AlertRecord): Promise<AlertRecorded>;
    startAlertEpisode(record: AlertRecord, floorMs: number): Promise<EpisodeStart>;
    // Counts due attempts and moves their next one on, atomically: two plugin
    // instances never claim the same attempt. The caller then fires them.
    claimAlertAttempts(request: AttemptClaimRequest): Promise<readonly AttemptClaim[]>;

    close(): Promise<void>;
}
