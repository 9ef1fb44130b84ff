// A group held under its row lock for one decision (core/ports/supervision.ts
// LockedGroup): the engine reads what it needs through it, core/decide
// decides, and the outcome is written here in the same transaction.
import type { Knex } from 'knex';
import type { ActivityId, GroupId, TenantId } from '../../core/model/ids';
import { notFound } from '../../core/model/errors';
import type { GroupChange, LockedGroup } from '../../core/ports/supervision';
import { insertActivity } from './activity';
import type { StoreContext } from './context';
import { readGroup } from './group-rows';
import { readKillSwitches, readOverride } from './overrides';
import { configColumns } from './rows';

// Locks the group's state row for the rest of the transaction; 404 when not the tenant's.
export const lockGroup = async (trx: Knex.Transaction, tenantId: TenantId, groupId: GroupId): Promise<void> => {
    const row = await trx('groups').where({ tenant_id: tenantId, id: groupId }).forUpdate().first('id');
    if (!row) {
        throw notFound('group', groupId);
    }
};

// The group row's columns a change sets; null when it touches no column.
const groupColumns = (trx: Knex.Transaction, change: GroupChange): Record<string, unknown> | null => {
    const columns: Record<string, unknown> = {
        ...(change.desired !== undefined ? { desired: change.desired } : {}),
        ...(change.scaled ? { last_scaled_at: change.at } : {}),
        ...(change.status !== undefined ? { status: change.status } : {}),
        ...(change.paused !== undefined ? { paused: change.paused } : {}),
        ...(change.config !== undefined ? configColumns(change.config) : {}),
        ...(change.launch !== undefined ? { launch: JSON.stringify(change.launch) } : {})
    };
    // What decisions read moved: a new version, so a trigger read before it decides again.
    const decisive = change.desired !== undefined || change.status !== undefined || change.paused !== undefined ||
        change.config !== undefined || change.override !== undefined;
    if (Object.keys(columns).length === 0 && !decisive) {
        return null;
    }

    return { ...columns, updated_at: change.at, ...(decisive ? { version: trx.raw('version + 1') } : {}) };
};

const writeChange = async (trx: Knex.Transaction, groupId: GroupId, change: GroupChange): Promise<ActivityId | null> => {
    if (change.override !== undefined) {
        const o = change.override;
        await (o === null ?
            trx('overrides').where({ group_id: groupId }).delete() :
            trx('overrides').insert({
                group_id: groupId, desired: o.desiredCapacity, min_entities: o.minEntities, max_entities: o.maxEntities,
                reason: o.reason, who: o.who, expires_at: o.expiresAt, by_admin: o.byAdmin, created_at: change.at
            }).onConflict('group_id').merge());
    }

    if (change.markDeleting) {
        await trx('servers').where({ intent_id: change.markDeleting.intentId })
            .update({ state: 'deleting', deleted_reason: change.markDeleting.reason, updated_at: change.at });
    }

    const columns = groupColumns(trx, change);
    if (columns) {
        await trx('groups').where({ id: groupId }).update(columns);
    }

    return change.activity ? insertActivity(trx, groupId, change.at, change.activity) : null;
};

const lockedGroup = async (trx: Knex.Transaction, tenantId: TenantId, groupId: GroupId): Promise<LockedGroup> => {
    await lockGroup(trx, tenantId, groupId);
    const group = await readGroup(trx, tenantId, groupId);
    return {
        group,
        override: () => readOverride(trx, groupId),
        killSwitches: () => readKillSwitches(trx),
        liveServers: async () => {
            const [{ count }] = await trx('servers').where({ group_id: groupId }).whereNot({ state: 'gone' }).count({ count: '*' });
            return Number(count);
        },
        findServer: async (serverId) => {
            const entry: { intent_id: string; state: string } | undefined = await trx('servers')
                .where({ group_id: groupId, server_id: serverId }).whereNot({ state: 'gone' }).first('intent_id', 'state');
            return entry ? { intentId: entry.intent_id, state: entry.state } : null;
        },
        write: (change) => writeChange(trx, groupId, change),
        remove: async () => {
            await trx('servers').where({ group_id: groupId }).delete();
            await trx('groups').where({ id: groupId }).delete();
            await trx('tenants').where({ id: tenantId }).decrement('group_count', 1);
        }
    };
};

export const withGroup = <T>(ctx: StoreContext, tenantId: TenantId, groupId: GroupId, work: (locked: LockedGroup) => Promise<T>): Promise<T> =>
    ctx.knex.transaction(async (trx) => work(await lockedGroup(trx, tenantId, groupId)));
