// A tenant's group as one row read: another tenant's group is as absent as
// one that never was.
import type { Knex } from 'knex';
import { notFound } from '../../core/model/errors';
import type { Group } from '../../core/model/group';
import type { GroupId, TenantId } from '../../core/model/ids';
import { groupSelect, toGroup, type GroupRow } from './rows';

export const selectGroups = (db: Knex | Knex.Transaction, tenantId: TenantId): Knex.QueryBuilder =>
    db.select(db.raw(groupSelect)).from('groups as g').where('g.tenant_id', tenantId);

export const readGroup = async (db: Knex | Knex.Transaction, tenantId: TenantId, groupId: GroupId): Promise<Group> => {
    const row: GroupRow | undefined = await selectGroups(db, tenantId).andWhere('g.id', groupId).first();
    if (!row) {
        throw notFound('group', groupId);
    }

    return toGroup(row);
};
