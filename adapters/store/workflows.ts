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
import type { Join, MembersWrite } from '../../core/ports/convergence';
import type { RunningStage, StageEnd } from '../../core/ports/workflows';
import { ACTIVITY_COLUMNS, ACTIVITY_TYPES, activityRecord, insertActivities, insertGroupActivities } from './activity';
import type { StoreContext } from './context';

// A stored workflow as the engine reads it; anything else (a hand-edited row)
// reads as the built-in one, which never holds a server.
export const workflowOf = (raw: unknown): WorkflowConfig => {
    if (typeof raw !== 'object' || raw === null || !('type' in raw)) {
        return builtinWorkflow;
    }

    return raw as WorkflowConfig;
};


const anyOf = (knex: Knex, values: readonly string[]): Knex.Raw => knex.raw('ANY(?::text[])', [[...values]]);

// One statement, whatever the number of servers (a pass joins every server
// of the group that Nova shows ACTIVE): the ledger moves, the launch
// workflows start for the servers that moved, and the activity rows, in a
// CTE; a transaction of five statements was five round trips.
const JOIN = `WITH j AS (
        SELECT * FROM json_to_recordset(?::json) AS j(intent_id text, state text, leaves boolean, workflow jsonb, stages jsonb, then_stages jsonb, detail jsonb)
    ), moved AS (
        UPDATE servers AS s SET state = j.state, leaves = j.leaves, updated_at = ?::timestamptz
        FROM j WHERE s.group_id = ?::text AND s.intent_id = j.intent_id AND s.state IN ('intent', 'building')
        RETURNING s.intent_id
    ), started AS (
        INSERT INTO server_workflows (intent_id, event, group_id, workflow, stages, then_stages, started_at, stage_started_at, detail)
        SELECT j.intent_id, 'launch', ?::text, j.workflow, j.stages, j.then_stages, ?::timestamptz, ?::timestamptz, j.detail
        FROM j JOIN moved ON moved.intent_id = j.intent_id WHERE j.state = 'joining'
        RETURNING intent_id
    ), logged AS (
        INSERT INTO activity (group_id, at, ${ACTIVITY_COLUMNS})
        SELECT ?::text, ?::timestamptz, ${ACTIVITY_COLUMNS} FROM json_to_recordset(?::json) AS a(${ACTIVITY_TYPES}) ORDER BY n
        RETURNING id
    )
    SELECT count(*) AS moved FROM moved`;

// Only from building: a second converger's plan, or a replay, moves nothing twice.
export const joinServers = async (ctx: StoreContext, groupId: GroupId, joins: readonly Join[], activity: readonly ActivityInput[]): Promise<void> => {
    const now = ctx.clock.now();
    const rows = joins.map((j) => ({
        intent_id: j.intentId, state: j.launch.length > 0 ? 'joining' : 'active', leaves: j.terminate.length > 0,
        workflow: j.workflow, stages: j.launch, then_stages: j.terminate, detail: j.members ?? {}
    }));
    await ctx.knex.raw(JOIN, [JSON.stringify(rows), now, groupId, groupId, now, now, groupId, now, JSON.stringify(activity.map(activityRecord))]);
};

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

        await insertGroupActivities(trx, groupId, now, activity);
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

// Stages' ends: for each, the next stage starts, or the workflow ends with
// its result (a launch that continues puts its server in service). false: the
// stage had already ended (another instance, a replay), nothing written for
// it. A members stage writes its last progress with it. One transaction, a
// statement per kind of change, whatever the number of stages.
export interface StageFinish {
    readonly end: StageEnd;
    readonly activity: readonly ActivityInput[];
    readonly detail?: MembersDetail | undefined;
}

interface EndingRow {
    intent_id: string;
    event: WorkflowEvent;
    group_id: string;
    stages: WorkflowStage[];
    stage: number;
}

const keyOf = (r: { intentId: string; event: string; stage: number }): string => `${r.intentId} ${r.event} ${r.stage}`;

// Inside the caller's transaction: each stage's group, or null when it had already ended.
export const endStagesIn = async (trx: Knex.Transaction, now: Date, finishes: readonly StageFinish[]): Promise<readonly (GroupId | null)[]> => {
    if (finishes.length === 0) {
        return [];
    }

    const rows: EndingRow[] = await trx('server_workflows')
        .whereIn(['intent_id', 'event', 'stage'], finishes.map((f) => [f.end.intentId, f.end.event, f.end.stageIndex]))
        // Locked in key order, so two writers ending overlapping stages queue rather than deadlock.
        .where({ outcome: 'running' }).orderBy([{ column: 'intent_id' }, { column: 'event' }]).forUpdate().select('intent_id', 'event', 'group_id', 'stages', 'stage');
    const found = new Map(rows.map((r) => [keyOf({ intentId: r.intent_id, event: r.event, stage: r.stage }), r]));
    const details: { intent_id: string; event: string; detail: string }[] = [];
    const nexts: { intent_id: string; event: string; stage: number }[] = [];
    const ends: { intent_id: string; event: string; outcome: string; reason: string | null }[] = [];
    const inService: string[] = [];
    const activity: { groupId: GroupId; activity: ActivityInput }[] = [];
    const written = finishes.map(({ end, detail, activity: rowsOf }) => {
        const row = found.get(keyOf({ intentId: end.intentId, event: end.event, stage: end.stageIndex }));
        if (row === undefined) {
            return null;
        }

        found.delete(keyOf({ intentId: end.intentId, event: end.event, stage: end.stageIndex }));   // a stage named twice ends once
        const ref = { intent_id: end.intentId, event: end.event };
        if (detail !== undefined) {
            details.push({ ...ref, detail: JSON.stringify(detail) });
        }

        const after = afterStage(end.event, row.stage, row.stage + 1 >= row.stages.length, end.result);
        if (after.kind === 'next') {
            nexts.push({ ...ref, stage: after.stage });
        }
        else {
            ends.push({ ...ref, outcome: after.result, reason: end.reason });
            if (after.inService) {
                inService.push(end.intentId);
            }
        }

        activity.push(...rowsOf.map((a) => ({ groupId: GroupId(row.group_id), activity: a })));
        return GroupId(row.group_id);
    });

    const values = (columns: string, types: readonly string[], list: readonly (string | number | null)[][]): Knex.Raw =>
        trx.raw(`(VALUES ${list.map(() => `(${types.map((t) => `?::${t}`).join(', ')})`).join(', ')}) AS v(${columns})`, list.flat());
    if (details.length > 0) {
        await trx.raw('UPDATE server_workflows AS w SET detail = v.detail FROM ? WHERE w.intent_id = v.intent_id AND w.event = v.event',
            [values('intent_id, event, detail', ['text', 'text', 'jsonb'], details.map((d) => [d.intent_id, d.event, d.detail]))]);
    }

    if (nexts.length > 0) {
        await trx.raw('UPDATE server_workflows AS w SET stage = v.stage, stage_started_at = ? FROM ? WHERE w.intent_id = v.intent_id AND w.event = v.event',
            [now, values('intent_id, event, stage', ['text', 'text', 'integer'], nexts.map((n) => [n.intent_id, n.event, n.stage]))]);
    }

    if (ends.length > 0) {
        await trx.raw('UPDATE server_workflows AS w SET outcome = v.outcome, reason = v.reason, finished_at = ? FROM ? WHERE w.intent_id = v.intent_id AND w.event = v.event',
            [now, values('intent_id, event, outcome, reason', ['text', 'text', 'text', 'text'], ends.map((e) => [e.intent_id, e.event, e.outcome, e.reason]))]);
    }

    if (inService.length > 0) {
        await trx('servers').where('intent_id', '=', anyOf(trx, inService)).andWhere({ state: 'joining' }).update({ state: 'active', updated_at: now });
    }

    await insertActivities(trx, activity, now);
    return written;
};

// Stages' ends in one transaction of their own; false for a stage that had already ended.
export const finishStages = (ctx: StoreContext, finishes: readonly StageFinish[]): Promise<readonly boolean[]> =>
    finishes.length === 0 ? Promise.resolve([]) : ctx.knex.transaction(async (trx) =>
        (await endStagesIn(trx, ctx.clock.now(), finishes)).map((groupId) => groupId !== null));

export const finishStage = async (ctx: StoreContext, end: StageEnd, activity: readonly ActivityInput[], detail?: MembersDetail): Promise<boolean> =>
    (await finishStages(ctx, [{ end, activity, detail }]))[0] ?? false;

// Running members stages' progress, with their activity rows, in one
// statement: a round's records are all written before any of its creates is
// sent, and a statement is one round trip where a transaction was four. false
// for a stage no longer running: nothing written for it, nor its rows.
const WRITE_DETAILS = `WITH v AS (
        SELECT * FROM json_to_recordset(?::json) AS v(write integer, intent_id text, event text, stage integer, detail jsonb)
    ), updated AS (
        UPDATE server_workflows AS w SET detail = v.detail FROM v
        WHERE w.intent_id = v.intent_id AND w.event = v.event AND w.stage = v.stage AND w.outcome = 'running'
        RETURNING w.intent_id, w.event, w.stage
    ), logged AS (
        INSERT INTO activity (group_id, at, ${ACTIVITY_COLUMNS})
        SELECT ?::text, ?::timestamptz, ${ACTIVITY_COLUMNS}
        FROM json_to_recordset(?::json) AS a(write integer, ${ACTIVITY_TYPES})
        JOIN v ON v.write = a.write
        JOIN updated u ON u.intent_id = v.intent_id AND u.event = v.event AND u.stage = v.stage
        ORDER BY a.n
        RETURNING id
    )
    SELECT intent_id, event, stage FROM updated`;

export const writeMembersDetails = async (ctx: StoreContext, groupId: GroupId, writes: readonly MembersWrite[]): Promise<readonly boolean[]> => {
    if (writes.length === 0) {
        return [];
    }

    const details = writes.map((w, write) => ({ write, intent_id: w.stage.intentId, event: w.stage.event, stage: w.stage.stageIndex, detail: w.detail }));
    const rows = writes.flatMap((w, write) => w.activity.map((activity) => ({ write, activity }))).map(({ write, activity }, n) => ({ write, ...activityRecord(activity, n) }));
    const answer: { rows: { intent_id: string; event: string; stage: number }[] } = await ctx.knex.raw(WRITE_DETAILS, [
        JSON.stringify(details), groupId, ctx.clock.now(), JSON.stringify(rows)
    ]);
    const done = new Set(answer.rows.map((r) => keyOf({ intentId: r.intent_id, event: r.event, stage: r.stage })));
    return writes.map((w) => done.has(keyOf({ intentId: w.stage.intentId, event: w.stage.event, stage: w.stage.stageIndex })));
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
