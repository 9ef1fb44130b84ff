// Groups: created, listed and read. Writes that a decision makes go through
// the group's lock (adapters/store/group-lock.ts).
import type { Knex } from 'knex';
import { notFound, overLimit } from '../../core/model/errors';
import { GroupId, type TenantId } from '../../core/model/ids';
import type { Group, GroupSpec, GroupWithPolicies, Limits, Page, PageRequest } from '../../core/model/group';
import { afterMarker, newId, pageOf, type StoreContext } from './context';
import { selectGroups } from './group-rows';
import { insertPolicies } from './policies';
import { prepare, runPrepared } from './prepared';
import { groupSelect, toGroup, toPolicy, type GroupRow, type PolicyRow } from './rows';

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
    (SELECT id, group_id, name, cooldown, adjustment, amount, type, schedule_at, schedule_cron, schedule_timezone FROM policies WHERE group_id = g.id) p) AS policies`;

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
