// Workflows in the store (docs/workflows.md): a group's workflow, each
// server's progress through its stages, and the ledger state that moves with
// it, in one transaction each.
import type { Knex } from 'knex';
import type { ActivityInput } from '../../core/model/activity';
import { notFound } from '../../core/model/errors';
import { GroupId, TenantId } from '../../core/model/ids';
import { leavingDetail, membersDetailOf, type MembersDetail } from '../../core/model/members';
import type { WorkflowConfig, WorkflowEvent, WorkflowStage } from '../../core/model/workflow';
import { afterStage, builtinWorkflow } from '../../core/model/workflow';
import type { PlannedLeave } from '../../core/converge/plan';
import type { Join, MemberStage } from '../../core/ports/convergence';
import type { RunningStage, StageEnd } from '../../core/ports/workflows';
import { insertActivity } from './activity';
import type { StoreContext } from './context';

// A stored workflow as the engine reads it; anything else (a hand-edited row)
// reads as the built-in one, which never holds a server.
export const workflowOf = (raw: unknown): WorkflowConfig => {
    if (typeof raw !== 'object' || raw === null || !('type' in raw)) {
        return builtinWorkflow;
    }

    return raw as WorkflowConfig;
};

export const insertRows = async (trx: Knex.Transaction, groupId: GroupId, at: Date, activity: readonly ActivityInput[]): Promise<void> => {
    for (const row of activity) {
        await insertActivity(trx, groupId, at, row);
    }
};

export const joinServers = (ctx: StoreContext, groupId: GroupId, joins: readonly Join[], activity: readonly ActivityInput[]): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        const now = ctx.clock.now();
        for (const join of joins) {
            // Only from building: a second converger's plan, or a replay, moves nothing twice.
            const moved = await trx('servers').where({ intent_id: join.intentId, group_id: groupId }).whereIn('state', ['intent', 'building'])
                .update({ state: join.launch.length > 0 ? 'joining' : 'active', leaves: join.terminate.length > 0, updated_at: now });
            if (moved > 0 && join.launch.length > 0) {
                await trx('server_workflows').insert({
                    intent_id: join.intentId, event: 'launch', group_id: groupId, workflow: JSON.stringify(join.workflow),
                    stages: JSON.stringify(join.launch), then_stages: JSON.stringify(join.terminate), started_at: now, stage_started_at: now,
                    ...(join.members === null ? {} : { detail: JSON.stringify(join.members) })
                });
            }
        }

        await insertRows(trx, groupId, now, activity);
    });

export const leaveServers = (ctx: StoreContext, groupId: GroupId, leaves: readonly PlannedLeave[], activity: readonly ActivityInput[]): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        const now = ctx.clock.now();
        for (const leave of leaves) {
            const moved = await trx('servers').where({ intent_id: leave.intentId, group_id: groupId }).whereIn('state', ['joining', 'active'])
                .update({ state: 'leaving', deleted_reason: leave.reason, updated_at: now });
            const launch: { workflow: unknown; then_stages: WorkflowStage[]; detail: unknown } | undefined = moved > 0 ?
                await trx('server_workflows').where({ intent_id: leave.intentId, event: 'launch' }).forUpdate().first('workflow', 'then_stages', 'detail') :
                undefined;
            if (launch === undefined) {
                continue;
            }

            // A launch still running is over: the server is on its way out. The
            // members it made are what its terminate's members stage removes.
            await trx('server_workflows').where({ intent_id: leave.intentId, event: 'launch', outcome: 'running' })
                .update({ outcome: 'cancelled', finished_at: now });
            await trx('server_workflows').insert({
                intent_id: leave.intentId, event: 'terminate', group_id: groupId, workflow: JSON.stringify(launch.workflow),
                stages: JSON.stringify(launch.then_stages), then_stages: '[]', started_at: now, stage_started_at: now,
                detail: JSON.stringify(leavingDetail(membersDetailOf(launch.detail)))
            }).onConflict(['intent_id', 'event']).ignore();
        }

        await insertRows(trx, groupId, now, activity);
    });

export interface RunningRow {
    intent_id: string;
    event: WorkflowEvent;
    group_id: string;
    tenant_id: string;
    server_id: string | null;
    workflow: unknown;
    stages: WorkflowStage[];
    stage: number;
    stage_started_at: Date;
}

// The stages running now, the oldest first.
export const runningStages = async (ctx: StoreContext, limit: number): Promise<readonly RunningStage[]> => {
    const rows: RunningRow[] = await ctx.knex('server_workflows as w')
        .join('servers as s', 's.intent_id', 'w.intent_id')
        .join('groups as g', 'g.id', 'w.group_id')
        .where('w.outcome', 'running')
        .orderBy([{ column: 'w.stage_started_at' }, { column: 'w.intent_id' }])
        .limit(limit)
        .select('w.intent_id', 'w.event', 'w.group_id', 'g.tenant_id', 's.server_id', 'w.workflow', 'w.stages', 'w.stage', 'w.stage_started_at');
    return rows.flatMap(runningStageOf);
};

// A running row as the engine reads it; none while the server has no id yet.
export const runningStageOf = (row: RunningRow): RunningStage[] => {
    const stage = row.stages[row.stage];
    return stage === undefined || row.server_id === null ? [] : [{
        intentId: row.intent_id, event: row.event, groupId: GroupId(row.group_id), tenantId: TenantId(row.tenant_id), serverId: row.server_id,
        workflow: workflowOf(row.workflow), stage, stageIndex: row.stage, last: row.stage + 1 >= row.stages.length, stageStartedAt: new Date(row.stage_started_at)
    }];
};

// The stage's end, inside the caller's transaction: the next stage starts,
// or the workflow ends with its result (a launch that continues puts its
// server in service). null: the stage had already ended, nothing written.
export const endStageIn = async (trx: Knex.Transaction, now: Date, end: StageEnd): Promise<GroupId | null> =>
    (await endStagesIn(trx, now, [end]))[0] ?? null;

interface EndingRow { intent_id: string; event: WorkflowEvent; group_id: string; stages: WorkflowStage[]; stage: number }

const keyOf = (intentId: string, event: string): string => `${intentId} ${event}`;

// Many stages' ends in the caller's transaction, a statement per kind of
// change rather than per stage; the group of each end, or null where that
// stage had already ended (or an earlier end in the list took it).
export const endStagesIn = async (trx: Knex.Transaction, now: Date, ends: readonly StageEnd[]): Promise<(GroupId | null)[]> => {
    if (ends.length === 0) {
        return [];
    }

    // Locked in key order, so two writers ending overlapping stages queue rather than deadlock.
    const rows: EndingRow[] = await trx('server_workflows')
        .whereIn(['intent_id', 'event', 'stage'], ends.map((e) => [e.intentId, e.event, e.stageIndex])).where('outcome', 'running')
        .orderBy([{ column: 'intent_id' }, { column: 'event' }]).forUpdate().select('intent_id', 'event', 'group_id', 'stages', 'stage');
    const running = new Map(rows.map((r) => [keyOf(r.intent_id, r.event), r]));
    const next: (string | number)[][] = [];
    const finished: (string | null)[][] = [];
    const inService: string[] = [];
    const groups = ends.map((end) => {
        const key = keyOf(end.intentId, end.event);
        const row = running.get(key);
        if (row === undefined) {
            return null;
        }

        running.delete(key);
        const after = afterStage(end.event, row.stage, row.stage + 1 >= row.stages.length, end.result);
        if (after.kind === 'next') {
            next.push([end.intentId, end.event, after.stage]);
        }
        else {
            finished.push([end.intentId, end.event, after.result, end.reason]);
            if (after.inService) {
                inService.push(end.intentId);
            }
        }

        return GroupId(row.group_id);
    });
    if (next.length > 0) {
        await trx.raw(`UPDATE server_workflows w SET stage = v.stage, stage_started_at = ?
            FROM (VALUES ${next.map(() => '(?, ?, ?::int)').join(', ')}) AS v(intent_id, event, stage)
            WHERE w.intent_id = v.intent_id AND w.event = v.event`, [now, ...next.flat()]);
    }

    if (finished.length > 0) {
        await trx.raw(`UPDATE server_workflows w SET outcome = v.outcome, reason = v.reason, finished_at = ?
            FROM (VALUES ${finished.map(() => '(?, ?, ?, ?::text)').join(', ')}) AS v(intent_id, event, outcome, reason)
            WHERE w.intent_id = v.intent_id AND w.event = v.event`, [now, ...finished.flat()]);
    }

    if (inService.length > 0) {
        await trx('servers').whereIn('intent_id', inService).where({ state: 'joining' }).update({ state: 'active', updated_at: now });
    }

    return groups;
};

// The stage's end, in a transaction of its own. false: the stage had already
// ended (another instance, a replay), nothing written. A members stage
// writes its last progress with it.
export const finishStage = (ctx: StoreContext, end: StageEnd, activity: readonly ActivityInput[], detail?: MembersDetail): Promise<boolean> =>
    ctx.knex.transaction(async (trx) => {
        const now = ctx.clock.now();
        const groupId = await endStageIn(trx, now, end);
        if (groupId === null) {
            return false;
        }

        if (detail !== undefined) {
            await trx('server_workflows').where({ intent_id: end.intentId, event: end.event }).update({ detail: JSON.stringify(detail) });
        }

        await insertRows(trx, groupId, now, activity);
        return true;
    });

// A running members stage's progress, with its activity rows.
export const writeMembersDetail = (ctx: StoreContext, groupId: GroupId, stage: Pick<MemberStage, 'intentId' | 'event' | 'stageIndex'>, detail: MembersDetail,
    activity: readonly ActivityInput[]): Promise<boolean> =>
    ctx.knex.transaction(async (trx) => {
        const written = await trx('server_workflows').where({ intent_id: stage.intentId, event: stage.event, stage: stage.stageIndex, outcome: 'running' })
            .update({ detail: JSON.stringify(detail) });
        if (written > 0) {
            await insertRows(trx, groupId, ctx.clock.now(), activity);
        }

        return written > 0;
    });

interface MemberStageRow {
    group_id: string;
    intent_id: string;
    event: WorkflowEvent;
    server_id: string | null;
    stage: number;
    stage_count: number;
    detail: unknown;
}

// The running members stages of these groups, by group.
export const memberStagesOf = async (ctx: StoreContext, groupIds: Knex.Raw): Promise<ReadonlyMap<string, MemberStage[]>> => {
    const rows: MemberStageRow[] = await ctx.knex('server_workflows as w')
        .join('servers as s', 's.intent_id', 'w.intent_id')
        .where('w.group_id', '=', groupIds).andWhere('w.outcome', 'running')
        .andWhereRaw("w.stages ->> w.stage = 'members'")
        .orderBy([{ column: 'w.group_id' }, { column: 'w.stage_started_at' }, { column: 'w.intent_id' }])
        .select('w.group_id', 'w.intent_id', 'w.event', 's.server_id', 'w.stage', ctx.knex.raw('jsonb_array_length(w.stages) AS stage_count'), 'w.detail');
    const byGroup = new Map<string, MemberStage[]>();
    for (const row of rows) {
        if (row.server_id === null) {
            continue;   // a stage runs only once its server is known (the schema's transactions never leave one without)
        }

        const stage: MemberStage = {
            intentId: row.intent_id, serverId: row.server_id, event: row.event, stageIndex: row.stage, last: row.stage + 1 >= Number(row.stage_count),
            detail: membersDetailOf(row.detail)
        };
        const list = byGroup.get(row.group_id);
        if (list) {
            list.push(stage);
        }
        else {
            byGroup.set(row.group_id, [stage]);
        }
    }

    return byGroup;
};

export const getWorkflow = async (ctx: StoreContext, tenantId: TenantId, groupId: GroupId): Promise<WorkflowConfig> => {
    const row: { workflow: unknown } | undefined = await ctx.knex('groups').where({ tenant_id: tenantId, id: groupId }).first('workflow');
    if (row === undefined) {
        throw notFound('group', groupId);
    }

    return workflowOf(row.workflow);
};

export const setWorkflow = async (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, workflow: WorkflowConfig): Promise<void> => {
    const updated = await ctx.knex('groups').where({ tenant_id: tenantId, id: groupId })
        .update({ workflow: JSON.stringify(workflow), updated_at: ctx.clock.now() });
    if (updated === 0) {
        throw notFound('group', groupId);
    }
};
