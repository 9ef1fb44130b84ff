// Webhooks of a policy; the policy's row lock serialises the per-policy limit.
import { notFound, overLimit } from '../../core/model/errors';
import { ActivityId, GroupId, PolicyId, TenantId, WebhookId } from '../../core/model/ids';
import type { Limits, Page } from '../../core/model/group';
import type { Webhook, WebhookSpec } from '../../core/model/policy';
import type { CapabilityTarget } from '../../core/model/policy';
import type { PageRequest } from '../../core/model/group';
import { afterMarker, newId, pageOf, type StoreContext } from './context';
import { readGroup } from './group-rows';
import { prepare, runPrepared } from './prepared';
import { readPolicy } from './policies';
import { toWebhook, type WebhookRow } from './rows';

export const createWebhooks = (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, policyId: PolicyId, specs: readonly WebhookSpec[], limits: Limits): Promise<readonly Webhook[]> =>
    ctx.knex.transaction(async (trx) => {
        await readPolicy(trx, tenantId, groupId, policyId, true);
        const [{ count }] = await trx('webhooks').where({ policy_id: policyId }).count({ count: '*' });
        if (Number(count) + specs.length > limits.maxWebhooksPerPolicy) {
            throw overLimit('WebhooksOverLimitError', `A policy may have at most ${limits.maxWebhooksPerPolicy} webhooks; it has ${Number(count)}`, limits.maxWebhooksPerPolicy);
        }

        const now = ctx.clock.now();
        const rows: WebhookRow[] = specs.map((spec) => ({ id: newId(), policy_id: policyId, group_id: groupId, name: spec.name, metadata: spec.metadata }));
        await trx('webhooks').insert(rows.map((row) => ({
            ...row,
            metadata: JSON.stringify(row.metadata),
            capability_hash: ctx.caps.hash(ctx.caps.of(WebhookId(row.id))),
            created_at: now
        })));
        return rows.map((row) => toWebhook(row, ctx.caps));
    });

const webhookQuery = (ctx: StoreContext, groupId: GroupId, policyId: PolicyId) =>
    ctx.knex('webhooks').where({ group_id: groupId, policy_id: policyId });

export const listWebhooks = async (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, policyId: PolicyId, page: PageRequest): Promise<Page<Webhook>> => {
    await readPolicy(ctx.knex, tenantId, groupId, policyId);
    const rows: WebhookRow[] = await afterMarker(webhookQuery(ctx, groupId, policyId), 'id', page);
    return pageOf(rows, page, (row) => toWebhook(row, ctx.caps));
};

export const getWebhook = async (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, policyId: PolicyId, webhookId: WebhookId): Promise<Webhook> => {
    await readPolicy(ctx.knex, tenantId, groupId, policyId);
    const row: WebhookRow | undefined = await webhookQuery(ctx, groupId, policyId).andWhere({ id: webhookId }).first();
    if (!row) {
        throw notFound('webhook', webhookId);
    }

    return toWebhook(row, ctx.caps);
};

export const updateWebhook = (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, policyId: PolicyId, webhookId: WebhookId, spec: WebhookSpec): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        await readPolicy(trx, tenantId, groupId, policyId, true);
        const updated = await trx('webhooks').where({ id: webhookId, policy_id: policyId }).update({ name: spec.name, metadata: JSON.stringify(spec.metadata) });
        if (updated === 0) {
            throw notFound('webhook', webhookId);
        }
    });

export const deleteWebhook = (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, policyId: PolicyId, webhookId: WebhookId): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        await readPolicy(trx, tenantId, groupId, policyId, true);
        // RETURNING, not the affected count: knex-pglite answers a DELETE with its raw result object.
        const deleted: unknown[] = await trx('webhooks').where({ id: webhookId, policy_id: policyId }).delete().returning('id');
        if (deleted.length === 0) {
            throw notFound('webhook', webhookId);
        }
    });

export const webhooksOfGroup = async (ctx: StoreContext, tenantId: TenantId, groupId: GroupId): Promise<readonly Webhook[]> => {
    await readGroup(ctx.knex, tenantId, groupId);
    const rows: WebhookRow[] = await ctx.knex('webhooks').where({ group_id: groupId }).orderBy('id');
    return rows.map((row) => toWebhook(row, ctx.caps));
};

// The capability URL's lookup: one probe of the unique index on capability_hash
// (prepared, adapters/store/prepared.ts), whether or not the hash is known.
const capabilitySql = prepare('autoscale_find_capability', `SELECT g.tenant_id, w.group_id, w.policy_id, w.id
    FROM webhooks w JOIN groups g ON g.id = w.group_id WHERE w.capability_hash = ?`);

export const findCapability = async (ctx: StoreContext, hash: string): Promise<CapabilityTarget | null> => {
    const [row] = await runPrepared<{ tenant_id: string; group_id: string; policy_id: string; id: string }>(ctx.knex, ctx.kind === 'postgres', capabilitySql, [hash]);
    return row ? { tenantId: TenantId(row.tenant_id), groupId: GroupId(row.group_id), policyId: PolicyId(row.policy_id), webhookId: WebhookId(row.id) } : null;
};

// One statement: the row is written only while the group still exists, with
// its current desired as before and after (nothing moved).
export const recordRejectedBody = async (ctx: StoreContext, target: CapabilityTarget, message: string): Promise<ActivityId | null> => {
    const result: { rows: { id: string | number }[] } = await ctx.knex.raw(`INSERT INTO activity
        (group_id, at, source, kind, outcome, reason, message, desired_before, desired_after, who, policy_id)
        SELECT id, ?, 'webhook', 'execute', 'refused', 'rejected_body', ?, desired, desired, 'capability', ?
        FROM groups WHERE id = ? AND tenant_id = ? RETURNING id`, [ctx.clock.now(), message, target.policyId, target.groupId, target.tenantId]);
    const [row] = result.rows;
    return row ? ActivityId(String(row.id)) : null;
};
