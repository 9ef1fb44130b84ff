// The activity log: newest first, and bounded per group.
import { ActivityId, PolicyId, type GroupId, type TenantId } from '../../core/model/ids';
import type { Page } from '../../core/model/group';
import type { PageRequest } from '../../core/model/group';
import type { Activity, Reason } from '../../core/model/activity';
import type { StoreContext } from './context';
import { readGroup } from './groups';

interface ActivityRow {
    id: string | number;
    at: Date;
    source: Activity['source'];
    kind: string;
    outcome: Activity['outcome'];
    reason: Reason;       // written only from the union
    message: string;
    desired_before: number | null;
    desired_after: number | null;
    who: string;
    policy_id: string | null;
    decision_id: string | number | null;
}

const toActivity = (row: ActivityRow): Activity => ({
    id: ActivityId(String(row.id)),
    at: new Date(row.at),
    source: row.source,
    kind: row.kind,
    outcome: row.outcome,
    reason: row.reason,
    message: row.message,
    desiredBefore: row.desired_before,
    desiredAfter: row.desired_after,
    who: row.who,
    policyId: row.policy_id === null ? null : PolicyId(row.policy_id),
    decisionId: row.decision_id === null ? null : ActivityId(String(row.decision_id))
});

// `marker` is the id of the last row of the previous page (digits only; the route checks).
export const listActivity = async (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, page: PageRequest): Promise<Page<Activity>> => {
    await readGroup(ctx.knex, tenantId, groupId);
    const query = ctx.knex('activity').where({ group_id: groupId });
    const rows: ActivityRow[] = await (page.marker ? query.andWhere('id', '<', page.marker) : query).orderBy('id', 'desc').limit(page.limit + 1);
    const items = rows.slice(0, page.limit).map(toActivity);
    const last = items[items.length - 1];
    return { items, next: rows.length > page.limit && last ? last.id : null };
};

// Keeps the newest `keep` rows of each group; returns how many went.
export const pruneActivity = async (ctx: StoreContext, keep: number): Promise<number> => {
    const gone: unknown[] = await ctx.knex('activity').whereIn('id', ctx.knex.select('id').from(
        ctx.knex('activity').select('id', ctx.knex.raw('row_number() OVER (PARTITION BY group_id ORDER BY id DESC) AS rank')).as('ranked')
    ).where('rank', '>', keep)).delete().returning('id');
    return gone.length;
};
