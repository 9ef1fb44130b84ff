// Groups: config, launch configuration and state, each write one transaction.
import type { Knex } from 'knex';
import { DomainError, notFound, overLimit } from '../../core/model/errors';
import { ActivityId, GroupId, type TenantId } from '../../core/model/ids';
import type { Group, GroupConfig, GroupSpec, LaunchConfig, Limits, Page } from '../../core/model/group';
import type { ConfigChange } from '../../core/ports/store';
import type { GroupWithPolicies, PageRequest } from '../../core/model/group';
import type { ActivityInput } from '../../core/model/activity';
import { afterMarker, newId, pageOf, type StoreContext } from './context';
import { insertPolicies } from './policies';
import { prepare, runPrepared } from './prepared';
import { groupSelect, toGroup, toPolicy, type GroupRow, type PolicyRow } from './rows';

const selectGroups = (db: Knex | Knex.Transaction, tenantId: TenantId): Knex.QueryBuilder =>
    db.select(db.raw(groupSelect)).from('groups as g').where('g.tenant_id', tenantId);

export const readGroup = async (db: Knex | Knex.Transaction, tenantId: TenantId, groupId: GroupId): Promise<Group> => {
    const row: GroupRow | undefined = await selectGroups(db, tenantId).andWhere('g.id', groupId).first();
    if (!row) {
        throw notFound('group', groupId);
    }

    return toGroup(row);
};

// Locks the group's state row for the rest of the transaction; 404 when not the tenant's.
export const lockGroup = async (trx: Knex.Transaction, tenantId: TenantId, groupId: GroupId): Promise<void> => {
    const row = await trx('groups').where({ tenant_id: tenantId, id: groupId }).forUpdate().first('id');
    if (!row) {
        throw notFound('group', groupId);
    }
};

export interface ActivityLinks {
    readonly policyId?: string | null;
    readonly eventId?: string | null;
    readonly decisionId?: string | null;
}

export const insertActivity = async (trx: Knex.Transaction, groupId: GroupId, at: Date, activity: ActivityInput, links: ActivityLinks = {}): Promise<ActivityId> => {
    const [row]: { id: string | number }[] = await trx('activity').insert({
        group_id: groupId,
        at,
        source: activity.source,
        kind: activity.kind,
        outcome: activity.outcome,
        reason: activity.reason,
        message: activity.message,
        desired_before: activity.desiredBefore,
        desired_after: activity.desiredAfter,
        who: activity.who,
        policy_id: links.policyId ?? null,
        event_id: links.eventId ?? null,
        decision_id: links.decisionId ?? null
    }).returning('id');
    return ActivityId(String(row?.id));
};

const configColumns = (config: GroupConfig): Record<string, unknown> => ({
    name: config.name,
    cooldown: config.cooldown,
    min_entities: config.minEntities,
    max_entities: config.maxEntities,
    metadata: JSON.stringify(config.metadata)
});

// One statement: the tenant's counter goes up only while under the limit (an
// UPDATE re-checks its WHERE on the newest row version after waiting for the
// row lock, so the limit is exact under concurrency), and the group is
// inserted with it. Without policies it runs on its own, so the
// tenant row is locked only inside PostgreSQL, never across a round trip.
const insertGroupSql = prepare('autoscale_insert_group', `
    WITH t AS (UPDATE tenants SET group_count = group_count + 1 WHERE id = ? AND group_count < ? RETURNING id)
    INSERT INTO groups (id, tenant_id, name, cooldown, min_entities, max_entities, metadata, launch, desired, created_at, updated_at)
        SELECT ?, t.id, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ? FROM t RETURNING id`);

const insertGroupOnce = async (ctx: StoreContext, db: Knex | Knex.Transaction, id: GroupId, tenantId: TenantId, spec: GroupSpec, limits: Limits, now: Date): Promise<boolean> => {
    const c = spec.config;
    const rows = await runPrepared(db, ctx.kind === 'postgres', insertGroupSql, [
        tenantId, limits.maxGroups,
        id, c.name, c.cooldown, c.minEntities, c.maxEntities, JSON.stringify(c.metadata), JSON.stringify(spec.launch), c.minEntities, now, now
    ]);
    return rows.length === 1;
};

const insertGroup = async (ctx: StoreContext, db: Knex | Knex.Transaction, id: GroupId, tenantId: TenantId, spec: GroupSpec, limits: Limits, now: Date): Promise<void> => {
    if (await insertGroupOnce(ctx, db, id, tenantId, spec, limits, now)) {
        return;
    }

    // No row: a tenant not seen before, or one at its limit.
    await db.raw('INSERT INTO tenants (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING', [tenantId, now]);
    if (!(await insertGroupOnce(ctx, db, id, tenantId, spec, limits, now))) {
        throw overLimit('GroupsOverLimitError', `A tenant may have at most ${limits.maxGroups} scaling groups`, limits.maxGroups);
    }
};

export const createGroup = async (ctx: StoreContext, tenantId: TenantId, spec: GroupSpec, limits: Limits): Promise<GroupWithPolicies> => {
    if (spec.policies.length > limits.maxPoliciesPerGroup) {
        throw overLimit('PoliciesOverLimitError', `A group may have at most ${limits.maxPoliciesPerGroup} policies`, limits.maxPoliciesPerGroup);
    }

    const now = ctx.clock.now();
    const id = GroupId(newId());
    const policies = spec.policies.length === 0 ?
        await insertGroup(ctx, ctx.knex, id, tenantId, spec, limits, now).then(() => []) :
        await ctx.knex.transaction(async (trx) => {
            await insertGroup(ctx, trx, id, tenantId, spec, limits, now);
            return insertPolicies(trx, id, spec.policies, now);
        });

    return {
        group: {
            id,
            tenantId,
            config: spec.config,
            launch: spec.launch,
            state: {
                desiredCapacity: spec.config.minEntities, activeCapacity: 0, pendingCapacity: 0, paused: false,
                status: 'ACTIVE', errors: [], active: [], orphans: []
            }
        },
        policies
    };
};

export const listGroups = async (ctx: StoreContext, tenantId: TenantId, page: PageRequest): Promise<Page<Group>> => {
    const rows: GroupRow[] = await afterMarker(selectGroups(ctx.knex, tenantId), 'g.id', page);
    return pageOf(rows, page, toGroup);
};

// One round trip: the policies ride along as a JSON array.
const policiesColumn = `(SELECT coalesce(json_agg(p ORDER BY p.id), '[]'::json) FROM
    (SELECT id, group_id, name, cooldown, adjustment, amount, type, schedule_at, schedule_cron FROM policies WHERE group_id = g.id) p) AS policies`;

type PolicyJson = Omit<PolicyRow, 'schedule_at'> & { schedule_at: string | null };

// The hot read: written out once and prepared (adapters/store/prepared.ts).
const groupWithPoliciesSql = prepare('autoscale_group_with_policies', `SELECT ${groupSelect}, ${policiesColumn}
    FROM groups g WHERE g.tenant_id = ? AND g.id = ?`);

export const getGroupWithPolicies = async (ctx: StoreContext, tenantId: TenantId, groupId: GroupId): Promise<GroupWithPolicies> => {
    const [row] = await runPrepared<GroupRow & { policies: PolicyJson[] }>(ctx.knex, ctx.kind === 'postgres', groupWithPoliciesSql, [tenantId, groupId]);
    if (!row) {
        throw notFound('group', groupId);
    }

    return {
        group: toGroup(row),
        policies: row.policies.map((p) => toPolicy({ ...p, schedule_at: p.schedule_at === null ? null : new Date(p.schedule_at) }))
    };
};

// With force and servers left, the group goes to desired 0 and DELETING, and
// the converger deletes it once every server is verified gone.
export const deleteGroup = (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, force: boolean, who = 'unknown'): Promise<'deleted' | 'deleting'> =>
    ctx.knex.transaction(async (trx) => {
        await lockGroup(trx, tenantId, groupId);
        const group = await readGroup(trx, tenantId, groupId);
        const [{ count }] = await trx('servers').where({ group_id: groupId }).whereNot({ state: 'gone' }).count({ count: '*' });
        const servers = Number(count);
        if (servers > 0 && force) {
            const now = ctx.clock.now();
            const before = group.state.desiredCapacity;
            await trx('groups').where({ id: groupId }).update({ desired: 0, status: 'DELETING', updated_at: now, version: trx.raw('version + 1') });
            if (group.state.status !== 'DELETING') {
                await insertActivity(trx, groupId, now, {
                    source: 'manual', kind: 'delete_group', outcome: 'accepted', reason: 'forced',
                    message: `Group deletion forced: scaling ${servers} servers to 0, then deleting the group`,
                    desiredBefore: before, desiredAfter: 0, who
                });
            }

            return 'deleting';
        }

        if (servers > 0 || (group.state.desiredCapacity > 0 && !force)) {
            throw new DomainError('forbidden', 'GroupNotEmptyError',
                `Group ${groupId} still has desired capacity ${group.state.desiredCapacity} and ${servers} servers; scale it to 0 first or delete with ?force=true`,
                { desiredCapacity: group.state.desiredCapacity, servers });
        }

        await trx('servers').where({ group_id: groupId }).delete();
        await trx('groups').where({ id: groupId }).delete();
        await trx('tenants').where({ id: tenantId }).decrement('group_count', 1);
        return 'deleted';
    });

export const updateConfig = (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, config: GroupConfig, change: ConfigChange): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        await lockGroup(trx, tenantId, groupId);
        const current = await readGroup(trx, tenantId, groupId);
        const now = ctx.clock.now();
        const { desired, activity } = change(current, config);
        await trx('groups').where({ id: groupId }).update({ ...configColumns(config), desired, updated_at: now, version: trx.raw('version + 1') });

        if (activity) {
            await insertActivity(trx, groupId, now, activity);
        }
    });

export const updateLaunch = (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, launch: LaunchConfig): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        await lockGroup(trx, tenantId, groupId);
        await trx('groups').where({ id: groupId }).update({ launch: JSON.stringify(launch), updated_at: ctx.clock.now() });
    });

export const setPaused = (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, paused: boolean, who: string): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        await lockGroup(trx, tenantId, groupId);
        const now = ctx.clock.now();
        const changed = await trx('groups').where({ id: groupId, paused: !paused }).update({ paused, updated_at: now, version: trx.raw('version + 1') });
        if (changed > 0) {
            await insertActivity(trx, groupId, now, {
                source: 'manual', kind: paused ? 'pause' : 'resume', outcome: 'done', reason: paused ? 'paused' : 'resumed',
                message: paused ? 'Group paused: no trigger moves desired and nothing converges' : 'Group resumed',
                desiredBefore: null, desiredAfter: null, who
            });
        }
    });
