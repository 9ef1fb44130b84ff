// Scaling policies of a group; the group's row lock serialises the per-group limit.
import type { Knex } from 'knex';
import { notFound, overLimit } from '../../core/model/errors';
import { PolicyId, type GroupId, type TenantId } from '../../core/model/ids';
import type { Limits, Page } from '../../core/model/group';
import type { Policy, PolicySpec } from '../../core/model/policy';
import type { PageRequest } from '../../core/model/group';
import { afterMarker, newId, pageOf, type StoreContext } from './context';
import { lockGroup } from './group-lock';
import { readGroup } from './group-rows';
import { adjustmentColumns, toPolicy, triggerColumns, type PolicyRow } from './rows';

const policyColumns = (spec: PolicySpec): Omit<PolicyRow, 'id' | 'group_id'> => ({
    name: spec.name,
    cooldown: spec.cooldown,
    ...adjustmentColumns(spec.adjustment),
    ...triggerColumns(spec.trigger)
});

// A schedule written (or rewritten) fires from now on (contract §8: a change takes effect at once).
const scheduleFrom = (row: Pick<PolicyRow, 'type'>, now: Date): { schedule_from: Date | null } => ({ schedule_from: row.type === 'schedule' ? now : null });

export const insertPolicies = async (trx: Knex.Transaction, groupId: GroupId, specs: readonly PolicySpec[], now: Date): Promise<readonly Policy[]> => {
    if (specs.length === 0) {
        return [];
    }

    const rows: PolicyRow[] = specs.map((spec) => ({ id: newId(), group_id: groupId, ...policyColumns(spec) }));
    await trx('policies').insert(rows.map((row) => ({ ...row, created_at: now, ...scheduleFrom(row, now) })));
    return rows.map(toPolicy);
};

export const createPolicies = (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, specs: readonly PolicySpec[], limits: Limits): Promise<readonly Policy[]> =>
    ctx.knex.transaction(async (trx) => {
        await lockGroup(trx, tenantId, groupId);
        const [{ count }] = await trx('policies').where({ group_id: groupId }).count({ count: '*' });
        if (Number(count) + specs.length > limits.maxPoliciesPerGroup) {
            throw overLimit('PoliciesOverLimitError', `A group may have at most ${limits.maxPoliciesPerGroup} policies; it has ${Number(count)}`, limits.maxPoliciesPerGroup);
        }

        return insertPolicies(trx, groupId, specs, ctx.clock.now());
    });

// The policy's row, provided the group is the tenant's: a policy of another
// tenant's group is as absent as one that never was.
export const readPolicy = async (db: Knex | Knex.Transaction, tenantId: TenantId, groupId: GroupId, policyId: PolicyId, lock = false): Promise<Policy> => {
    const query = db('policies as p').join('groups as g', 'g.id', 'p.group_id')
        .where({ 'g.tenant_id': tenantId, 'g.id': groupId, 'p.id': policyId }).first('p.*');
    const row: PolicyRow | undefined = await (lock ? query.forUpdate('p') : query);
    if (!row) {
        await readGroup(db, tenantId, groupId); // 404 names the group when that is what is missing
        throw notFound('policy', policyId);
    }

    return toPolicy(row);
};

export const listPolicies = async (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, page: PageRequest): Promise<Page<Policy>> => {
    await readGroup(ctx.knex, tenantId, groupId);
    const rows: PolicyRow[] = await afterMarker(ctx.knex('policies').where({ group_id: groupId }), 'id', page);
    return pageOf(rows, page, toPolicy);
};

export const updatePolicy = (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, policyId: PolicyId, spec: PolicySpec): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        await readPolicy(trx, tenantId, groupId, policyId, true);
        const columns = policyColumns(spec);
        await trx('policies').where({ id: policyId }).update({ ...columns, ...scheduleFrom(columns, ctx.clock.now()) });
    });

export const deletePolicy = (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, policyId: PolicyId): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        await readPolicy(trx, tenantId, groupId, policyId, true);
        await trx('policies').where({ id: PolicyId(policyId) }).delete();
    });
