// The storage port: every method is one transaction, and a refused write
// (a DomainError thrown from inside) leaves nothing behind.
import type { AlertRecord, AlertRecorded, AttemptClaim, AttemptClaimRequest, EpisodeStart } from '../alert-episode';
import type { ActivityId, GroupId, PolicyId, TenantId, WebhookId } from '../ids';
import type { KillSwitch, KillSwitchScope } from '../kill-switch';
import type { Override } from '../override';
import type { ReasonCode } from '../reasons';
import type { ConvergenceStore } from './convergence-store';
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

export type ActivitySource = 'alert' | 'webhook' | 'schedule' | 'manual' | 'converger' | 'admin';

export interface ActivityInput {
    readonly source: ActivitySource;
    readonly kind: string;
    readonly outcome: 'accepted' | 'refused' | 'coalesced' | 'done' | 'failed';
    readonly reason: string;
    readonly message: string;
    readonly desiredBefore: number | null;
    readonly desiredAfter: number | null;
    readonly who: string;
}

export interface Activity extends ActivityInput {
    readonly id: ActivityId;
    readonly at: Date;
    readonly policyId: PolicyId | null;
    readonly decisionId: ActivityId | null;
}

// Something that asks a policy to run (contract §4, design "trigger").
export interface TriggerRequest {
    readonly tenantId: TenantId;
    readonly groupId: GroupId;
    readonly policyId: PolicyId;
    readonly source: ActivitySource;
    readonly eventId: string | null;   // taken once, ever
    readonly forced: boolean;          // admin: skips cooldown and debounce
    readonly circleBack: boolean;      // the supervisor trying again for a held alert
    readonly who: string;
    readonly note: string | null;      // why (a forced trigger's reason)
}

export interface TriggerRules {
    readonly debounceMs: number;
    readonly region: string | null;    // the region kill-switches are matched against
}

export interface TriggerResult {
    readonly activityId: ActivityId;
    readonly decisionId: ActivityId;   // itself, or the decision it was coalesced into
    readonly outcome: 'accepted' | 'refused' | 'coalesced';
    readonly reason: ReasonCode | 'debounced';
    readonly desiredBefore: number;
    readonly desiredAfter: number;
    readonly message: string;
    readonly replay: boolean;          // the event id was seen before: nothing was written
}

// Where a capability URL points (contract §4): looked up by the capability's SHA-256.
export interface CapabilityTarget {
    readonly tenantId: TenantId;
    readonly groupId: GroupId;
    readonly policyId: PolicyId;
    readonly webhookId: WebhookId;
}

export interface OverrideInput {
    readonly desiredCapacity: number | null;
    readonly minEntities: number | null;
    readonly maxEntities: number | null;
    readonly reason: string;
    readonly expiresAt: Date;
    readonly who: string;
}

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

    // The supervisor: one transaction decides and records (core/decide-policy.ts).
    trigger(request: TriggerRequest, rules: TriggerRules): Promise<TriggerResult>;
    listActivity(tenantId: TenantId, groupId: GroupId, page: PageRequest): Promise<Page<Activity>>;
    pruneActivity(keepPerGroup: number): Promise<number>;

    getOverride(tenantId: TenantId, groupId: GroupId): Promise<Override | null>;
    setOverride(tenantId: TenantId, groupId: GroupId, override: OverrideInput, source: ActivitySource, region?: string | null): Promise<void>; // 400 out of bounds, 403 kill_switch
    clearOverride(tenantId: TenantId, groupId: GroupId, who: string, source: ActivitySource): Promise<void>;
    requestConverge(tenantId: TenantId, groupId: GroupId, who: string): Promise<{ readonly activityId: ActivityId; readonly paused: boolean }>; // writes its activity row, refused or not

    listKillSwitches(): Promise<readonly KillSwitch[]>;
    setKillSwitch(killSwitch: KillSwitch): Promise<void>;
    clearKillSwitch(scope: KillSwitchScope): Promise<boolean>;

    // Alert intake (contract §6): takes the event id once and moves the alert's
    // episode (core/alert-episode.ts), one transaction.
    recordAlert(record: AlertRecord): Promise<AlertRecorded>;
    startAlertEpisode(record: AlertRecord, floorMs: number): Promise<EpisodeStart>;
    // Counts due attempts and moves their next one on, atomically: two plugin
    // instances never claim the same attempt. The caller then fires them.
    claimAlertAttempts(request: AttemptClaimRequest): Promise<readonly AttemptClaim[]>;

    close(): Promise<void>;
}
