// Groups: config, launch configuration and state, each write one transaction.
import type { Knex } from 'knex';
import { DomainError, notFound, overLimit } from '../../core/errors';
import { GroupId, type TenantId } from '../../core/ids';
import type { Group, GroupConfig, GroupSpec, LaunchConfig, Limits, Page } from '../../core/model';
import type { ActivityInput, ConfigChange, GroupWithPolicies, PageRequest } from '../../core/ports/store';
import { afterMarker, newId, pageOf, type StoreContext } from './context';
import { insertPolicies } from './policies';
import { groupSelect, toGroup, toPolicy, type GroupRow, type PolicyRow } from './rows';

const selectGroups = (db: Knex | Knex.Transaction, tenantId: TenantId): Knex.QueryBuilder =>
    db.select(db.raw(groupSelect)).from('groups as g').join('group_state as s', 's.group_id', 'g.id').where('g.tenant_id', tenantId);

export const readGroup = async (db: Knex | Knex.Transaction, tenantId: TenantId, groupId: GroupId): Promise<Group> => {
    const row: GroupRow | undefined = await selectGroups(db, tenantId).andWhere('g.id', groupId).first();
    if (!row) {
        throw notFound('group', groupId);
    }

    return toGroup(row);
};

// Locks the group's state row for the rest of the transaction; 404 when not the tenant's.
export const lockGroup = async (trx: Knex.Transaction, tenantId: TenantId, groupId: GroupId): Promise<void> => {
    const row = await trx('group_state as s').join('groups as g', 'g.id', 's.group_id')
        .where({ 'g.tenant_id': tenantId, 'g.id': groupId }).forUpdate('s').first('s.group_id');
    if (!row) {
        throw notFound('group', groupId);
    }
};

export const insertActivity = async (trx: Knex.Transaction, groupId: GroupId, at: Date, activity: ActivityInput): Promise<void> => {
    await trx('activity').insert({
        group_id: groupId,
        at,
        source: activity.source,
        kind: activity.kind,
        outcome: activity.outcome,
        reason: activity.reason,
        message: activity.message,
        desired_before: activity.desiredBefore,
        desired_after: activity.desiredAfter,
        who: activity.who
    });
};

const configColumns = (config: GroupConfig): Record<string, unknown> => ({
    name: config.name,
    cooldown: config.cooldown,
    min_entities: config.minEntities,
    max_entities: config.maxEntities,
    metadata: JSON.stringify(config.metadata)
});

export const createGroup = (ctx: StoreContext, tenantId: TenantId, spec: GroupSpec, limits: Limits): Promise<GroupWithPolicies> =>
    ctx.knex.transaction(async (trx) => {
        const now = ctx.clock.now();

        // The tenant row is the lock that keeps the group count honest under concurrency.
        await trx.raw('INSERT INTO tenants (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id', [tenantId, now]);
        const [{ count }] = await trx('groups').where({ tenant_id: tenantId }).count({ count: '*' });
        if (Number(count) >= limits.maxGroups) {
            throw overLimit('GroupsOverLimitError', `A tenant may have at most ${limits.maxGroups} scaling groups`, limits.maxGroups);
        }

        if (spec.policies.length > limits.maxPoliciesPerGroup) {
            throw overLimit('PoliciesOverLimitError', `A group may have at most ${limits.maxPoliciesPerGroup} policies`, limits.maxPoliciesPerGroup);
        }

        const id = GroupId(newId());
        await trx('groups').insert({ id, tenant_id: tenantId, ...configColumns(spec.config), launch: JSON.stringify(spec.launch), created_at: now, updated_at: now });
        await trx('group_state').insert({ group_id: id, desired: spec.config.minEntities, updated_at: now });
        const policies = await insertPolicies(trx, id, spec.policies, now);
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
    });

export const listGroups = async (ctx: StoreContext, tenantId: TenantId, page: PageRequest): Promise<Page<Group>> => {
    const rows: GroupRow[] = await afterMarker(selectGroups(ctx.knex, tenantId), 'g.id', page);
    return pageOf(rows, page, toGroup);
};

export const getGroupWithPolicies = async (ctx: StoreContext, tenantId: TenantId, groupId: GroupId): Promise<GroupWithPolicies> => {
    const group = await readGroup(ctx.knex, tenantId, groupId);
    const rows: PolicyRow[] = await ctx.knex('policies').where({ group_id: groupId }).orderBy('id');
    return { group, policies: rows.map(toPolicy) };
};

export const deleteGroup = (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, force: boolean): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        await lockGroup(trx, tenantId, groupId);
        const group = await readGroup(trx, tenantId, groupId);
        const [{ count }] = await trx('servers').where({ group_id: groupId }).whereNot({ state: 'gone' }).count({ count: '*' });
        const servers = Number(count);
        if (servers > 0 || (group.state.desiredCapacity > 0 && !force)) {
            throw new DomainError('forbidden', 'GroupNotEmptyError',
                `Group ${groupId} still has desired capacity ${group.state.desiredCapacity} and ${servers} servers; scale it to 0 first or delete with ?force=true`,
                { desiredCapacity: group.state.desiredCapacity, servers });
        }

        await trx('servers').where({ group_id: groupId }).delete();
        await trx('groups').where({ id: groupId }).delete();
    });

export const updateConfig = (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, config: GroupConfig, change: ConfigChange): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        await lockGroup(trx, tenantId, groupId);
        const current = await readGroup(trx, tenantId, groupId);
        const now = ctx.clock.now();
        const { desired, activity } = change(current, config);
        await trx('groups').where({ id: groupId }).update({ ...configColumns(config), updated_at: now });
        if (desired !== current.state.desiredCapacity) {
            await trx('group_state').where({ group_id: groupId }).update({ desired, updated_at: now });
        }

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
        const changed = await trx('group_state').where({ group_id: groupId, paused: !paused }).update({ paused, updated_at: now });
        if (changed > 0) {
            await insertActivity(trx, groupId, now, {
                source: 'manual', kind: paused ? 'pause' : 'resume', outcome: 'done', reason: paused ? 'paused' : 'resumed',
                message: paused ? 'Group paused: no trigger moves desired and nothing converges' : 'Group resumed',
                desiredBefore: null, desiredAfter: null, who
            });
        }
    });
