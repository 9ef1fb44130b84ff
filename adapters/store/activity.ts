// The activity log: rows written inside the transaction of what they explain,
// read newest first, and bounded per group.
import { ActivityId, PolicyId, type GroupId, type TenantId } from '../../core/model/ids';
import type { Page } from '../../core/model/group';
import type { PageRequest } from '../../core/model/group';
import type { Activity, Reason } from '../../core/model/activity';
import type { Knex } from 'knex';
import type { ActivityInput } from '../../core/model/activity';
import type { StoreContext } from './context';
import { readGroup } from './group-rows';

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

export interface ActivityLinks {
    readonly policyId?: string | null;
    readonly eventId?: string | null;
    readonly decisionId?: string | null;
}

const activityRow = (groupId: GroupId, at: Date, activity: ActivityInput, links: ActivityLinks = {}) => ({
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
});

export const insertActivity = async (trx: Knex.Transaction, groupId: GroupId, at: Date, activity: ActivityInput, links: ActivityLinks = {}): Promise<ActivityId> => {
    const [row]: { id: string | number }[] = await trx('activity').insert(activityRow(groupId, at, activity, links)).returning('id');
    return ActivityId(String(row?.id));
};

// Rows as one JSON parameter read back by json_to_recordset, inside a
// larger statement or on their own: one parameter however many rows (where a
// parameter per value made the statement's building most of its cost), the
// text as JSON (pg would escape every element of an array), `n` their order.
export const ACTIVITY_COLUMNS = 'source, kind, outcome, reason, message, desired_before, desired_after, who';
export const ACTIVITY_TYPES = 'n integer, source text, kind text, outcome text, reason text, message text, desired_before integer, desired_after integer, who text';

export const activityRecord = (activity: ActivityInput, n: number) => ({
    n, source: activity.source, kind: activity.kind, outcome: activity.outcome, reason: activity.reason, message: activity.message,
    desired_before: activity.desiredBefore, desired_after: activity.desiredAfter, who: activity.who
});

// Many rows in one statement (ids in the rows' order): a converger pass
// writes a row per server it moved, and a statement each was most of its
// time. In the caller's transaction, or (a statement being atomic) on its own.
export const insertActivities = async (trx: Knex | Knex.Transaction, rows: readonly { readonly groupId: GroupId; readonly activity: ActivityInput }[], at: Date): Promise<void> => {
    if (rows.length > 0) {
        await trx.raw(`INSERT INTO activity (group_id, at, ${ACTIVITY_COLUMNS})
            SELECT group_id, ?::timestamptz, ${ACTIVITY_COLUMNS} FROM json_to_recordset(?::json) AS a(group_id text, ${ACTIVITY_TYPES}) ORDER BY n`,
        [at, JSON.stringify(rows.map((r, n) => ({ group_id: r.groupId, ...activityRecord(r.activity, n) })))]);
    }
};

// One group's rows, as most writers have them.
export const insertGroupActivities = (trx: Knex | Knex.Transaction, groupId: GroupId, at: Date, activity: readonly ActivityInput[]): Promise<void> =>
    insertActivities(trx, activity.map((a) => ({ groupId, activity: a })), at);

// Newest first by `at`, then id (contract §4): `at` is stamped when a
// transaction starts and ids as rows are inserted, so two writers that
// overlap can take ids in the other order; paging by (at, id) keeps `at`
// from rising down the list, across pages too. `marker` is the id of the
// last row of the previous page (digits only; the route checks); a marker
// pruned since still pages on, by its id alone.
export const listActivity = async (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, page: PageRequest): Promise<Page<Activity>> => {
    await readGroup(ctx.knex, tenantId, groupId);
    const query = ctx.knex('activity').where({ group_id: groupId });
    const after = page.marker ?
        await ctx.knex('activity').where({ group_id: groupId, id: page.marker }).first<{ at: Date } | undefined>('at') :
        undefined;
    const paged = !page.marker ? query :
        after === undefined ? query.andWhere('id', '<', page.marker) :
            query.andWhereRaw('(at, id) < (?, ?)', [after.at, page.marker]);
    const rows: ActivityRow[] = await paged.orderBy([{ column: 'at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(page.limit + 1);
    const items = rows.slice(0, page.limit).map(toActivity);
    const last = items[items.length - 1];
    return { items, next: rows.length > page.limit && last ? last.id : null };
};

// Keeps the newest `keep` rows of each group (the order the list reads); returns how many went.
export const pruneActivity = async (ctx: StoreContext, keep: number): Promise<number> => {
    const gone: unknown[] = await ctx.knex('activity').whereIn('id', ctx.knex.select('id').from(
        ctx.knex('activity').select('id', ctx.knex.raw('row_number() OVER (PARTITION BY group_id ORDER BY at DESC, id DESC) AS rank')).as('ranked')
    ).where('rank', '>', keep)).delete().returning('id');
    return gone.length;
};
