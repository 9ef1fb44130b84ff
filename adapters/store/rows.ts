// Rows as the database returns them, and their translation into the model.
// pg gives bigint/count as strings where PGlite gives numbers: Number() both.
import { GroupId, PolicyId, TenantId, WebhookId } from '../../core/model/ids';
import type { Group, GroupConfig, GroupStatus, LaunchConfig, Metadata } from '../../core/model/group';
import type { Adjustment, Policy, PolicyTrigger, Webhook } from '../../core/model/policy';
import type { Capabilities } from './capability';

export interface GroupRow {
    id: string;
    tenant_id: string;
    name: string;
    cooldown: number;
    min_entities: number;
    max_entities: number | null;
    metadata: Metadata;
    launch: LaunchConfig;
    desired: number;
    paused: boolean;
    status: GroupStatus;
    errors: { message: string }[];
    active: string[];
    pending: number | string;
    orphans: string[];
}

export interface PolicyRow {
    id: string;
    group_id: string;
    name: string;
    cooldown: number;
    adjustment: 'change' | 'changePercent' | 'desiredCapacity';
    amount: number;
    type: 'webhook' | 'schedule';
    schedule_at: Date | null;
    schedule_cron: string | null;
    schedule_timezone: string | null;
}

export interface WebhookRow {
    id: string;
    policy_id: string;
    group_id: string;
    name: string;
    metadata: Metadata;
}

// One query reads a whole group: config, state and what the ledger holds.
export const groupSelect = `
    g.id, g.tenant_id, g.name, g.cooldown, g.min_entities, g.max_entities, g.metadata, g.launch,
    g.desired, g.paused, g.status, g.errors,
    (SELECT coalesce(json_agg(v.server_id ORDER BY v.created_at, v.server_id), '[]'::json)
        FROM servers v WHERE v.group_id = g.id AND v.state = 'active') AS active,
    (SELECT count(*) FROM servers v WHERE v.group_id = g.id AND v.state IN ('intent', 'building', 'joining')) AS pending,
    (SELECT coalesce(json_agg(o.server_id ORDER BY o.first_seen_at, o.server_id), '[]'::json)
        FROM orphans o WHERE o.group_id = g.id) AS orphans`;

export const toGroup = (row: GroupRow): Group => ({
    id: GroupId(row.id),
    tenantId: TenantId(row.tenant_id),
    config: {
        name: row.name,
        cooldown: row.cooldown,
        minEntities: row.min_entities,
        maxEntities: row.max_entities,
        metadata: row.metadata
    },
    launch: row.launch,
    state: {
        desiredCapacity: row.desired,
        activeCapacity: row.active.length,
        pendingCapacity: Number(row.pending),
        paused: row.paused,
        status: row.status,
        errors: row.errors,
        active: row.active.map((id) => ({ id })),
        orphans: row.orphans.map((id) => ({ id }))
    }
});

export const adjustmentColumns = (adjustment: Adjustment): Pick<PolicyRow, 'adjustment' | 'amount'> => {
    if ('change' in adjustment) {
        return { adjustment: 'change', amount: adjustment.change };
    }

    if ('changePercent' in adjustment) {
        return { adjustment: 'changePercent', amount: adjustment.changePercent };
    }

    return { adjustment: 'desiredCapacity', amount: adjustment.desiredCapacity };
};

export const triggerColumns = (trigger: PolicyTrigger): Pick<PolicyRow, 'type' | 'schedule_at' | 'schedule_cron' | 'schedule_timezone'> => {
    if (trigger.type === 'webhook') {
        return { type: 'webhook', schedule_at: null, schedule_cron: null, schedule_timezone: null };
    }

    return 'at' in trigger.args ?
        { type: 'schedule', schedule_at: new Date(trigger.args.at), schedule_cron: null, schedule_timezone: null } :
        { type: 'schedule', schedule_at: null, schedule_cron: trigger.args.cron, schedule_timezone: trigger.args.timezone ?? null };
};

const toAdjustment = (row: PolicyRow): Adjustment => {
    const amount = Number(row.amount);
    switch (row.adjustment) {
        case 'change': return { change: amount };
        case 'changePercent': return { changePercent: amount };
        case 'desiredCapacity': return { desiredCapacity: amount };
    }
};

const toTrigger = (row: PolicyRow): PolicyTrigger => {
    if (row.type === 'webhook') {
        return { type: 'webhook' };
    }

    return row.schedule_cron !== null ?
        { type: 'schedule', args: { cron: row.schedule_cron, ...(row.schedule_timezone === null ? {} : { timezone: row.schedule_timezone }) } } :
        { type: 'schedule', args: { at: isoSeconds(row.schedule_at ?? new Date(0)) } };
};

// ISO-8601 Zulu, without milliseconds when there are none (as the user wrote it).
const isoSeconds = (at: Date): string => at.toISOString().replace('.000Z', 'Z');

export const toPolicy = (row: PolicyRow): Policy => ({
    id: PolicyId(row.id),
    groupId: GroupId(row.group_id),
    name: row.name,
    cooldown: row.cooldown,
    adjustment: toAdjustment(row),
    trigger: toTrigger(row)
});

export const toWebhook = (row: WebhookRow, caps: Capabilities): Webhook => ({
    id: WebhookId(row.id),
    policyId: PolicyId(row.policy_id),
    groupId: GroupId(row.group_id),
    name: row.name,
    metadata: row.metadata,
    capability: caps.of(WebhookId(row.id))
});

export const configColumns = (config: GroupConfig): Record<string, unknown> => ({
    name: config.name,
    cooldown: config.cooldown,
    min_entities: config.minEntities,
    max_entities: config.maxEntities,
    metadata: JSON.stringify(config.metadata)
});
