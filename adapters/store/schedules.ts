// Schedule policies in the store (contract §8): which may still come due,
// how far each is handled, and the one row of a run of missed times (not a
// decision: the debounce and the cooldown do not count it).
import { GroupId, PolicyId, TenantId } from '../../core/model/ids';
import type { ScheduleArgs } from '../../core/model/policy';
import type { ScheduleMissed, SchedulePolicy } from '../../core/ports/schedules';
import type { StoreContext } from './context';

interface ScheduleRow {
    id: string;
    group_id: string;
    tenant_id: string;
    schedule_at: Date | null;
    schedule_cron: string | null;
    schedule_timezone: string | null;
    schedule_from: Date;
}

const argsOf = (row: ScheduleRow): ScheduleArgs =>
    row.schedule_cron !== null ?
        { cron: row.schedule_cron, ...(row.schedule_timezone === null ? {} : { timezone: row.schedule_timezone }) } :
        { at: new Date(row.schedule_at ?? 0).toISOString() };

export const schedulePolicies = async (ctx: StoreContext): Promise<readonly SchedulePolicy[]> => {
    const rows: ScheduleRow[] = await ctx.knex('policies as p').join('groups as g', 'g.id', 'p.group_id')
        .where('p.type', 'schedule').whereNotNull('p.schedule_from')
        .andWhere((q) => q.whereNotNull('p.schedule_cron').orWhereRaw('p.schedule_at > p.schedule_from'))
        .orderBy('p.id')
        .select('p.id', 'p.group_id', 'g.tenant_id', 'p.schedule_at', 'p.schedule_cron', 'p.schedule_timezone', 'p.schedule_from');
    return rows.map((row) => ({
        policyId: PolicyId(row.id), groupId: GroupId(row.group_id), tenantId: TenantId(row.tenant_id), args: argsOf(row), from: new Date(row.schedule_from)
    }));
};

export const advanceSchedule = async (ctx: StoreContext, policyId: PolicyId, from: Date, to: Date): Promise<void> => {
    await ctx.knex('policies').where({ id: policyId, schedule_from: from }).andWhere('schedule_from', '<', to).update({ schedule_from: to });
};

export const decided = async (ctx: StoreContext, firings: readonly { readonly groupId: GroupId; readonly eventId: string }[]): Promise<ReadonlySet<string>> => {
    const rows: { event_id: string }[] = await ctx.knex('activity')
        .whereIn(['group_id', 'event_id'], firings.map((f) => [f.groupId, f.eventId])).select('event_id');
    return new Set(rows.map((r) => r.event_id));
};

export const recordMissed = async (ctx: StoreContext, missed: ScheduleMissed, now: Date): Promise<void> => {
    const { policy, count, atLeast, last } = missed;
    const times = `${atLeast ? 'more than ' : ''}${count} scheduled time${count === 1 && !atLeast ? '' : 's'}`;
    await ctx.knex('activity').insert({
        group_id: policy.groupId, at: now, source: 'schedule', kind: 'skip', outcome: 'done', reason: 'schedule_missed',
        message: `${times} missed while no instance ran (the last at ${last.toISOString()}): skipped, older than the grace`,
        desired_before: null, desired_after: null, who: 'schedule', policy_id: policy.policyId,
        event_id: `schedule-missed:${policy.policyId}:${policy.from.toISOString()}`, decision_id: null
    }).onConflict(['group_id', 'event_id']).ignore();
};
