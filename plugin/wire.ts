// Otter v1.0 bodies to the model and back. Routes call these; nothing else
// knows the wire shapes.
import type { Activity } from '../core/model/activity';
import { scopeName, type KillSwitch, type KillSwitchEvent } from '../core/model/kill-switch';
import type { Override } from '../core/model/override';
import type { Group, GroupConfig, LaunchConfig } from '../core/model/group';
import type { Instance } from '../core/model/instance';
import type { Adjustment, Policy, PolicySpec, PolicyTrigger, ScheduleArgs, Webhook, WebhookSpec } from '../core/model/policy';
import type { WorkflowConfig } from '../core/model/workflow';

export interface PolicyBody {
    name: string;
    cooldown: number;
    type: 'webhook' | 'schedule';
    change?: number;
    changePercent?: number;
    desiredCapacity?: number;
    args?: ScheduleArgs;
}

export interface Link {
    href: string;
    rel: string;
}

export const toPolicySpec = (body: PolicyBody): PolicySpec => {
    const adjustment: Adjustment =
        body.change !== undefined ? { change: body.change } :
            body.changePercent !== undefined ? { changePercent: body.changePercent } :
                { desiredCapacity: body.desiredCapacity ?? 0 };
    const trigger: PolicyTrigger = body.type === 'schedule' && body.args ? { type: 'schedule', args: body.args } : { type: 'webhook' };
    return { name: body.name, cooldown: body.cooldown, adjustment, trigger };
};

export const toWebhookSpec = (body: WebhookSpec): WebhookSpec => ({ name: body.name, metadata: body.metadata });

// Where a resource lives; `base` is scheme://host/prefix/v1.0/{tenantId}.
export const links = {
    group: (base: string, group: Pick<Group, 'id'>): string => `${base}/groups/${group.id}`,
    policy: (base: string, policy: Pick<Policy, 'id' | 'groupId'>): string => `${base}/groups/${policy.groupId}/policies/${policy.id}`,
    webhook: (base: string, webhook: Pick<Webhook, 'id' | 'groupId' | 'policyId'>): string =>
        `${base}/groups/${webhook.groupId}/policies/${webhook.policyId}/webhooks/${webhook.id}`
};

const self = (href: string): Link[] => [{ href, rel: 'self' }];

export const configView = (config: GroupConfig) => ({
    name: config.name,
    cooldown: config.cooldown,
    minEntities: config.minEntities,
    maxEntities: config.maxEntities,
    metadata: config.metadata
});

export const launchView = (launch: LaunchConfig): LaunchConfig => launch;

// A server's links as Nova renders them: `self` under the compute endpoint,
// `bookmark` under it without its version segment (Nova's bookmark drops the
// `/v2.1`, and keeps a project id that follows it in legacy endpoints).
// `endpoint` is an absolute URL (computeEndpointOf checks).
export const serverLinks = (endpoint: string, serverId: string): Link[] => {
    const base = endpoint.replace(/\/+$/, '');
    const url = new URL(base);
    const path = url.pathname.split('/');
    const version = path.map((segment) => /^v\d+(\.\d+)?$/.test(segment)).lastIndexOf(true);
    const bookmark = `${url.origin}${path.filter((_, i) => i !== version).join('/')}`;
    const id = encodeURIComponent(serverId);
    return [{ href: `${base}/servers/${id}`, rel: 'self' }, { href: `${bookmark}/servers/${id}`, rel: 'bookmark' }];
};

// `endpoint`: where the tenant's servers live (Compute.endpoint); null: no links.
export const stateView = (group: Group, endpoint: string | null) => ({
    id: group.id,
    name: group.config.name,
    paused: group.state.paused,
    status: group.state.status,
    errors: group.state.errors,
    desiredCapacity: group.state.desiredCapacity,
    activeCapacity: group.state.activeCapacity,
    pendingCapacity: group.state.pendingCapacity,
    active: group.state.active.map((server) => ({ id: server.id, links: endpoint === null ? [] : serverLinks(endpoint, server.id) })),
    orphans: group.state.orphans
});

export const webhookView = (base: string, webhook: Webhook, capabilityBase: string) => ({
    id: webhook.id,
    name: webhook.name,
    metadata: webhook.metadata,
    links: [
        ...self(links.webhook(base, webhook)),
        { href: `${capabilityBase}/execute/1/${webhook.capability}/`, rel: 'capability' }
    ]
});

export const policyView = (base: string, policy: Policy) => ({
    id: policy.id,
    links: self(links.policy(base, policy)),
    name: policy.name,
    cooldown: policy.cooldown,
    type: policy.trigger.type,
    ...policy.adjustment,
    ...(policy.trigger.type === 'schedule' ? { args: policy.trigger.args } : {})
});

export const groupSummaryView = (base: string, group: Group, endpoint: string | null) => ({
    id: group.id,
    links: self(links.group(base, group)),
    state: stateView(group, endpoint)
});

export const groupView = (base: string, group: Group, policies: readonly ReturnType<typeof policyView>[], endpoint: string | null) => ({
    id: group.id,
    links: self(links.group(base, group)),
    state: stateView(group, endpoint),
    groupConfiguration: configView(group.config),
    launchConfiguration: launchView(group.launch),
    scalingPolicies: policies,
    scalingPolicies_links: [] as Link[]
});

// Otter's `*_links`: a `next` link when there is another page.
export const pageLinks = (href: string, limit: number, next: string | null): Link[] =>
    next === null ? [] : [{ href: `${href}${href.includes('?') ? '&' : '?'}limit=${limit}&marker=${encodeURIComponent(next)}`, rel: 'next' }];

export const activityView = (activity: Activity) => ({
    id: activity.id,
    at: activity.at.toISOString(),
    source: activity.source,
    kind: activity.kind,
    outcome: activity.outcome,
    reason: activity.reason,
    message: activity.message,
    desiredBefore: activity.desiredBefore,
    desiredAfter: activity.desiredAfter,
    who: activity.who,
    ...(activity.policyId ? { policyId: activity.policyId } : {}),
    ...(activity.decisionId ? { decisionId: activity.decisionId } : {})
});

// An override as GET .../override shows it; a level it does not pin is null.
export const overrideView = (override: Override) => ({
    desiredCapacity: override.desiredCapacity,
    minEntities: override.minEntities,
    maxEntities: override.maxEntities,
    reason: override.reason,
    who: override.who,
    expiresAt: override.expiresAt.toISOString()
});

export const killSwitchView = (killSwitch: KillSwitch) => ({
    scope: scopeName(killSwitch.scope),
    mode: killSwitch.mode,
    reason: killSwitch.reason,
    who: killSwitch.who,
    expiresAt: killSwitch.expiresAt === null ? null : killSwitch.expiresAt.toISOString()
});

// A set or a clear, as GET /admin/kill-switches?history=true lists it.
export const killSwitchEventView = (event: KillSwitchEvent) => ({
    id: event.id,
    action: event.action,
    at: event.at.toISOString(),
    ...killSwitchView(event)
});

export const instanceView = (instance: Instance) => ({
    id: instance.id,
    host: instance.host,
    pid: instance.pid,
    startedAt: instance.startedAt.toISOString(),
    lastSeenAt: instance.lastSeenAt.toISOString(),
    leases: instance.leases
});

// A group's workflow as a client reads it: never the webhook's secret.
export const workflowView = (workflow: WorkflowConfig) => {
    switch (workflow.type) {
        case 'builtin':
            return { type: 'builtin' };
        case 'host':
            return { type: workflow.name };
        case 'webhook':
            return {
                type: 'webhook', url: workflow.url, hasSecret: workflow.secret !== '', timeoutS: workflow.timeoutS,
                defaultResult: workflow.defaultResult, events: [...workflow.events]
            };
    }
};
