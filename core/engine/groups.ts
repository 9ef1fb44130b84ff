// The groups service: a tenant's groups, policies, webhooks and activity log,
// as the routes ask for them. Reads go straight to the store; a write that
// moves desired capacity is decided in core/decide under the group's lock and
// kicks the converger after its commit. A group's state read shows a
// kill-switch holding it (core/decide/held-state.ts).
import { decideConfigChange } from '../decide/config-change';
import { decideGroupDeletion } from '../decide/group-deletion';
import { withHold } from '../decide/held-state';
import { cachedFor } from './cached';
import { badRequest } from '../model/errors';
import type { Group, GroupConfig, GroupWithPolicies, GroupSpec, LaunchConfig, Limits } from '../model/group';
import type { GroupId, PolicyId, TenantId } from '../model/ids';
import { launchReferences, type LaunchReference } from '../model/launch-references';
import type { Policy, PolicySpec, Webhook, WebhookSpec } from '../model/policy';
import type { Clock } from '../ports/clock';
import type { GroupsStore } from '../ports/groups';
import type { CustomerToken, LaunchVisibility } from '../ports/launch-visibility';
import type { SupervisionStore } from '../ports/supervision';

export interface GroupsDeps {
    readonly store: GroupsStore;
    readonly supervision: SupervisionStore;
    readonly clock: Clock;
    readonly limits: Limits;
    readonly kick: (groupId: GroupId) => void;
    readonly region: string | null;     // the region kill-switches are matched against
    // null: nothing to ask (no OpenStack of ours, or the host's own Compute).
    readonly visibility: LaunchVisibility | null;
    // Whether servers can be joined to load balancers (Octavia is configured).
    readonly loadBalancers: boolean;
}

// The store's reads and plain writes as they are, and the decided writes.
export type Groups = Omit<GroupsStore, 'createGroup' | 'createPolicies' | 'createWebhooks' | 'kind'> & {
    // The launch configuration is checked with the writer's token first (null:
    // the host's own auth gave none, nothing to check with).
    createGroup(tenantId: TenantId, spec: GroupSpec, token: CustomerToken | null): Promise<GroupWithPolicies>;
    // Within the tenant's limits (the engine's settings).
    createPolicies(tenantId: TenantId, groupId: GroupId, specs: readonly PolicySpec[]): Promise<readonly Policy[]>;
    createWebhooks(tenantId: TenantId, groupId: GroupId, policyId: PolicyId, specs: readonly WebhookSpec[]): Promise<readonly Webhook[]>;
    updateConfig(tenantId: TenantId, groupId: GroupId, config: GroupConfig, who: string): Promise<void>;
    updateLaunch(tenantId: TenantId, groupId: GroupId, launch: LaunchConfig, token: CustomerToken | null): Promise<void>;
    // 'deleted' now; 'deleting': servers remain, the converger deletes them, then the group. 403 unless empty or forced.
    deleteGroup(tenantId: TenantId, groupId: GroupId, force: boolean, who: string): Promise<'deleted' | 'deleting'>;
};

const kindWords: Record<LaunchReference['kind'], string> = {
    image: 'image', flavor: 'flavor', network: 'network', security_group: 'security group'
};

// What the writer's project cannot see is refused before anything is stored:
// the service account that creates the servers may see more than they do.
const checkLaunch = async (visibility: LaunchVisibility | null, token: CustomerToken | null, tenantId: TenantId, launch: LaunchConfig, prefix: string): Promise<void> => {
    if (visibility === null || token === null) {
        return;
    }

    const unseen = await visibility.unseen(token, tenantId, launchReferences(launch));
    const first = unseen[0];
    if (first !== undefined) {
        const each = unseen.map((ref) => `"${prefix}${ref.field}" (${kindWords[ref.kind]} ${ref.id})`).join(', ');
        throw badRequest(`${prefix}${first.field}`, `Not visible to project ${tenantId}: ${each}`);
    }
};

// A launch configuration must do what it says: without Octavia no server
// would join the load balancers it names.
const checkLoadBalancers = (enabled: boolean, launch: LaunchConfig, prefix: string): void => {
    if (!enabled && (launch.args.loadBalancers ?? []).length > 0) {
        throw badRequest(`${prefix}args.loadBalancers`, 'Servers cannot join load balancers here: the plugin has no service account to reach Octavia with');
    }
};

// Reads show the kill-switches in force, as they were at most a second ago
// (a switch takes a second to show, as it does across instances): one
// statement a second, not one per read.
const SWITCHES_TTL_MS = 1000;

export const groups = ({ store, supervision, clock, limits, kick, region, visibility, loadBalancers }: GroupsDeps): Groups => {
    const switches = cachedFor(clock, SWITCHES_TTL_MS, () => supervision.listKillSwitches());
    // How a read shows the kill-switches in force now; read beside the group, not under its lock.
    const holdShown = async (): Promise<(group: Group) => Group> => {
        const inForce = await switches();
        const now = clock.now();
        return (group) => withHold(group, inForce, region, now);
    };

    return {
        ready: () => store.ready(),
        // A new group's desired is its minimum: that is something to converge to.
        createGroup: async (tenantId, spec, token) => {
            checkLoadBalancers(loadBalancers, spec.launch, 'launchConfiguration.');
            await checkLaunch(visibility, token, tenantId, spec.launch, 'launchConfiguration.');
            const created = await store.createGroup(tenantId, spec, limits);
            if (created.group.state.desiredCapacity > 0) {
                kick(created.group.id);
            }

            return created;
        },
        listGroups: async (...args) => {
            const [page, show] = await Promise.all([store.listGroups(...args), holdShown()]);
            return { ...page, items: page.items.map(show) };
        },
        getGroup: async (...args) => {
            const [group, show] = await Promise.all([store.getGroup(...args), holdShown()]);
            return show(group);
        },
        getGroupWithPolicies: async (...args) => {
            const [found, show] = await Promise.all([store.getGroupWithPolicies(...args), holdShown()]);
            return { ...found, group: show(found.group) };
        },
        getWorkflow: (...args) => store.getWorkflow(...args),
        setWorkflow: (...args) => store.setWorkflow(...args),
        // A config whose bounds no longer hold desired moves desired to the nearest bound;
        // its row says when a kill-switch holds what that move asks of the converger.
        updateConfig: async (tenantId, groupId, config, who) => {
            await supervision.withGroup(tenantId, groupId, async (locked) => {
                const { state } = locked.group;
                const now = clock.now();
                const decision = decideConfigChange({
                    desired: state.desiredCapacity, serving: state.activeCapacity + state.pendingCapacity, next: config, who,
                    killSwitches: await locked.killSwitches(), region, now
                });
                await locked.write({ at: now, config, desired: decision.desired, activity: decision.activity });
            });
            kick(groupId);
        },
        updateLaunch: async (tenantId, groupId, launch, token) => {
            checkLoadBalancers(loadBalancers, launch, '');
            await checkLaunch(visibility, token, tenantId, launch, '');
            await supervision.withGroup(tenantId, groupId, (locked) => locked.write({ at: clock.now(), launch }));
        },
        deleteGroup: async (tenantId, groupId, force, who) => {
            const done = await supervision.withGroup(tenantId, groupId, async (locked) => {
                const decision = decideGroupDeletion({
                    groupId, desired: locked.group.state.desiredCapacity, status: locked.group.state.status, servers: await locked.liveServers(), force, who
                });
                switch (decision.kind) {
                    case 'refused':
                        throw decision.error;
                    case 'deleting':
                        await locked.write({ at: clock.now(), desired: 0, status: 'DELETING', activity: decision.activity });
                        return 'deleting' as const;
                    case 'delete':
                        await locked.remove();
                        return 'deleted' as const;
                }
            });
            if (done === 'deleting') {
                kick(groupId);
            }

            return done;
        },
        createPolicies: (tenantId, groupId, specs) => store.createPolicies(tenantId, groupId, specs, limits),
        listPolicies: (...args) => store.listPolicies(...args),
        getPolicy: (...args) => store.getPolicy(...args),
        updatePolicy: (...args) => store.updatePolicy(...args),
        deletePolicy: (...args) => store.deletePolicy(...args),
        createWebhooks: (tenantId, groupId, policyId, specs) => store.createWebhooks(tenantId, groupId, policyId, specs, limits),
        listWebhooks: (...args) => store.listWebhooks(...args),
        getWebhook: (...args) => store.getWebhook(...args),
        updateWebhook: (...args) => store.updateWebhook(...args),
        deleteWebhook: (...args) => store.deleteWebhook(...args),
        webhooksOfGroup: (...args) => store.webhooksOfGroup(...args),
        findCapability: (hash) => store.findCapability(hash),
        recordRejectedBody: (...args) => store.recordRejectedBody(...args),
        listActivity: (...args) => store.listActivity(...args),
        pruneActivity: (keep) => store.pruneActivity(keep)
    };
};
