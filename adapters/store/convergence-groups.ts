// Group-level writes around convergence: which groups need a converger, the
// group's ERROR status, a forced delete's last step, backoff and pacing.
import { GroupId } from '../../core/model/ids';
import type { SweepShare } from '../../core/decide/sweep-share';
import type { ConvergenceSnapshot, GroupHold, LockedBuildFailures, SweepCursor } from '../../core/ports/convergence';
import type { ActivityInput } from '../../core/model/activity';
import type { StoreContext } from './context';
import { insertActivity } from './activity';
import { readConvergences } from './ledger';
import { readKillSwitches } from './overrides';

// Something to do: desired differs from the live ledger, an intent or delete
// is under way, the status is not ACTIVE, or orphans wait for their grace.
// A page of groups in id order after `after` ('' for the first page).
export const groupsToConverge = async (ctx: StoreContext, limit: number, after = ''): Promise<readonly GroupId[]> => {
    const rows: { id: string }[] = await ctx.knex.raw(`
        SELECT g.id FROM groups g
        WHERE g.id > ? AND NOT g.paused AND (g.status <> 'ACTIVE'
            OR g.desired <> (SELECT count(*) FROM servers v WHERE v.group_id = g.id AND v.state IN ('intent', 'building', 'active'))
            OR EXISTS (SELECT 1 FROM servers v WHERE v.group_id = g.id AND v.state IN ('intent', 'building', 'deleting'))
            OR EXISTS (SELECT 1 FROM orphans o WHERE o.group_id = g.id))
        ORDER BY g.id LIMIT ?`, [after, limit]).then((r: { rows: { id: string }[] }) => r.rows);
    return rows.map((r) => GroupId(r.id));
};

export const sweepPage = async (ctx: StoreContext, limit: number, after: SweepCursor | null, share: SweepShare): Promise<readonly ConvergenceSnapshot[]> => {
    const ids: string[] = await ctx.knex('groups').where({ paused: false })
        // hashtext is an int4: shifted to non-negative as a bigint (abs of its least value overflows).
        .modify((q) => (share.of > 1 ? q.whereRaw('mod(hashtext(id)::bigint + 2147483648, ?) = ?', [share.of, share.index]) : q))
        .modify((q) => (after === null ? q : q.whereRaw('(tenant_id, id) > (?, ?)', [after.tenantId, after.groupId])))
        .orderBy(['tenant_id', 'id']).limit(limit).pluck('id');
    const snapshots = await readConvergences(ctx, ids.map(GroupId));
    return ids.flatMap((id) => snapshots.get(GroupId(id)) ?? []);
};

export const setGroupError = (ctx: StoreContext, groupId: GroupId, message: string | null, activity: ActivityInput): Promise<boolean> =>
    ctx.knex.transaction(async (trx) => {
        const now = ctx.clock.now();
        const changed = message === null ?
            await trx('groups').where({ id: groupId, status: 'ERROR' }).update({ status: 'ACTIVE', errors: JSON.stringify([]), updated_at: now }) :
            await trx('groups').where({ id: groupId }).whereNot({ status: 'DELETING' })
                .where((q) => q.whereNot({ status: 'ERROR' }).orWhereRaw('errors <> ?::jsonb', [JSON.stringify([{ message }])]))
                .update({ status: 'ERROR', errors: JSON.stringify([{ message }]), updated_at: now });
        if (changed > 0) {
            await insertActivity(trx, groupId, now, activity);
        }

        return changed > 0;
    });

export const finishGroupDeletion = (ctx: StoreContext, groupId: GroupId): Promise<boolean> =>
    ctx.knex.transaction(async (trx) => {
        const group: { tenant_id: string; status: string } | undefined = await trx('groups').where({ id: groupId }).forUpdate().first('tenant_id', 'status');
        const [{ count }] = await trx('servers').where({ group_id: groupId }).whereNot({ state: 'gone' }).count({ count: '*' });
        if (!group || group.status !== 'DELETING' || Number(count) > 0) {
            return false;
        }

        await trx('servers').where({ group_id: groupId }).delete();
        await trx('groups').where({ id: groupId }).delete();
        await trx('tenants').where({ id: group.tenant_id }).decrement('group_count', 1);
        return true;
    });

export const withBuildFailures = <T>(ctx: StoreContext, groupId: GroupId, work: (locked: LockedBuildFailures) => Promise<T>): Promise<T> =>
    ctx.knex.transaction(async (trx) => {
        const row: { build_failures: number } | undefined = await trx('groups').where({ id: groupId }).forUpdate().first('build_failures');
        return work({
            failures: row?.build_failures ?? 0,
            write: async (failures, notBefore, activity) => {
                await trx('groups').where({ id: groupId }).update({ build_failures: failures, next_converge_at: notBefore });
                await insertActivity(trx, groupId, ctx.clock.now(), activity);
            }
        });
    });

export const paceCreates = (ctx: StoreContext, groupId: GroupId, until: Date, activity: ActivityInput): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        await trx('groups').where({ id: groupId }).where((q) => q.whereNull('next_converge_at').orWhere('next_converge_at', '<', until))
            .update({ next_converge_at: until });
        await insertActivity(trx, groupId, ctx.clock.now(), activity);
    });

// One count query: the region is this installation's (every group in the database).
export const scaleUpCounts = async (ctx: StoreContext): Promise<{ wanting: number; total: number }> => {
    const rows: { wanting: string | number; total: string | number }[] = await ctx.knex.raw(`
        SELECT count(*) FILTER (WHERE g.desired > (SELECT count(*) FROM servers v WHERE v.group_id = g.id AND v.state IN ('intent', 'building', 'active'))) AS wanting,
               count(*) AS total
        FROM groups g WHERE NOT g.paused AND g.status <> 'DELETING'`).then((r: { rows: { wanting: string | number; total: string | number }[] }) => r.rows);
    return { wanting: Number(rows[0]?.wanting ?? 0), total: Number(rows[0]?.total ?? 0) };
};

// What a pass checks its plan against while it sends: two small reads, at most twice a second a pass.
export const groupHold = async (ctx: StoreContext, groupId: GroupId): Promise<GroupHold | null> => {
    const [row, killSwitches] = await Promise.all([
        ctx.knex('groups').where({ id: groupId }).first<{ desired: number; paused: boolean } | undefined>('desired', 'paused'),
        readKillSwitches(ctx.knex)
    ]);
    return row === undefined ? null : { desired: row.desired, paused: row.paused, killSwitches };
};
