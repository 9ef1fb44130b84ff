// The webhook outbox in the store (contract §7 "Durable"): a row per delivery,
// written before anything is sent; claims that lapse, so an attempt a crash
// cut short is sent again with the same id; and a delivery's end written with
// its stage's end in one transaction. The callback token is never stored:
// caps.deliveryToken gives it back from the installation key, and the row
// keeps only its SHA-256.
import type { Knex } from 'knex';
import { callbackUrlOf, withCallback } from '../../core/model/delivery-body';
import { GroupId } from '../../core/model/ids';
import { webhookTimeoutS, type WorkflowEvent, type WorkflowStage } from '../../core/model/workflow';
import type { DeliveryEnd, DeliveryRecord, DueDelivery, NewDelivery, TokenLookup } from '../../core/ports/deliveries';
import type { RunningStage } from '../../core/ports/workflows';
import type { StoreContext } from './context';
import { endStagesIn, runningStageOf, workflowOf, type RunningRow } from './workflows';

// Running customer stages of a webhook workflow with no delivery yet.
export const stagesToDeliver = async (ctx: StoreContext, limit: number): Promise<readonly RunningStage[]> => {
    const rows: RunningRow[] = await ctx.knex('server_workflows as w')
        .join('servers as s', 's.intent_id', 'w.intent_id')
        .join('groups as g', 'g.id', 'w.group_id')
        .where('w.outcome', 'running')
        .whereNotNull('s.server_id')
        .whereRaw("w.workflow->>'type' = 'webhook'")
        .whereRaw("w.stages->>w.stage = 'customer'")
        .whereNotExists((q) => q.select(ctx.knex.raw('1')).from('workflow_deliveries as d')
            .whereRaw('d.intent_id = w.intent_id AND d.event = w.event AND d.stage = w.stage'))
        .orderBy([{ column: 'w.stage_started_at' }, { column: 'w.intent_id' }])
        .limit(limit)
        .select('w.intent_id', 'w.event', 'w.group_id', 'g.tenant_id', 's.server_id', 'w.workflow', 'w.stages', 'w.stage', 'w.stage_started_at');
    return rows.flatMap(runningStageOf);
};

export const addDeliveries = async (ctx: StoreContext, deliveries: readonly NewDelivery[], now: Date, leaseUntil: Date): Promise<readonly DueDelivery[]> => {
    if (deliveries.length === 0) {
        return [];
    }

    const written: { id: string }[] = await ctx.knex('workflow_deliveries').insert(deliveries.map((d) => ({
        id: d.id, intent_id: d.intentId, event: d.event, stage: d.stageIndex, group_id: d.groupId, url: d.url, body: d.body,
        callback_root: d.callbackRoot, token_hash: ctx.caps.hash(ctx.caps.deliveryToken(d.id)),
        attempts: 1, first_sent_at: now, last_sent_at: now, next_at: leaseUntil, deadline: d.deadline, created_at: now, updated_at: now
    }))).onConflict(['intent_id', 'event', 'stage']).ignore().returning('id');
    const mine = new Set(written.map((row) => row.id));
    return deliveries.filter((d) => mine.has(d.id)).map(({ callbackRoot, ...d }) => ({
        ...d, attempts: 1, firstSentAt: now, acknowledged: false, body: withCallback(d.body, callbackUrlOf(callbackRoot, ctx.caps.deliveryToken(d.id)))
    }));
};

interface RecordRow {
    id: string;
    intent_id: string;
    event: WorkflowEvent;
    stage: number;
    group_id: string;
    server_id: string | null;
    stages: WorkflowStage[];
    running: boolean;
    workflow: unknown;
    attempts: number;
    first_sent_at: Date | null;
    deadline: Date;
    acknowledged: boolean;
    outcome: string | null;
    url: string;
    body: string;
    callback_root: string;
}

// A delivery with its stage: whether that stage is the one running, and the
// workflow it runs (timeoutS, defaultResult, the secret).
const records = (knex: Knex): Knex.QueryBuilder => knex('workflow_deliveries as d')
    .join('server_workflows as w', (on) => on.on('w.intent_id', 'd.intent_id').andOn('w.event', 'd.event'))
    .join('servers as s', 's.intent_id', 'd.intent_id')
    .select('d.id', 'd.intent_id', 'd.event', 'd.stage', 'd.group_id', 's.server_id', 'w.stages', 'w.workflow', 'd.attempts', 'd.first_sent_at',
        'd.deadline', 'd.acknowledged', 'd.outcome', 'd.url', 'd.body', 'd.callback_root',
        knex.raw("(w.outcome = 'running' AND w.stage = d.stage) AS running"));

const webhookOf = (raw: unknown): { secret: string; timeoutS: number; defaultResult: 'continue' | 'abandon' } => {
    const workflow = workflowOf(raw);
    return workflow.type === 'webhook' ?
        { secret: workflow.secret, timeoutS: workflow.timeoutS, defaultResult: workflow.defaultResult } :
        { secret: '', timeoutS: webhookTimeoutS.default, defaultResult: 'abandon' };
};

const recordOf = (row: RecordRow): DeliveryRecord => {
    const { timeoutS, defaultResult } = webhookOf(row.workflow);
    return {
        id: row.id, intentId: row.intent_id, event: row.event, stageIndex: row.stage, groupId: GroupId(row.group_id), serverId: row.server_id ?? '',
        stage: row.stages[row.stage] ?? 'customer', last: row.stage + 1 >= row.stages.length, attempts: row.attempts,
        firstSentAt: row.first_sent_at === null ? null : new Date(row.first_sent_at), deadline: new Date(row.deadline),
        acknowledged: row.acknowledged, timeoutS, defaultResult
    };
};

const dueOf = (ctx: StoreContext, row: RecordRow): DueDelivery => ({
    ...recordOf(row),
    url: row.url,
    secret: webhookOf(row.workflow).secret,
    body: withCallback(row.body, callbackUrlOf(row.callback_root, ctx.caps.deliveryToken(row.id)))
});

// One statement: the due rows are picked (SKIP LOCKED: instances sharing the
// database claim different rows), taken for one attempt each, and returned
// with their stage.
export const claimDue = async (ctx: StoreContext, now: Date, leaseUntil: Date, limit: number): Promise<readonly DueDelivery[]> => {
    const rows: RecordRow[] = await ctx.knex.raw(`WITH due AS (
            SELECT d.id FROM workflow_deliveries d
            JOIN server_workflows w ON w.intent_id = d.intent_id AND w.event = d.event AND w.stage = d.stage
            WHERE w.outcome = 'running' AND d.outcome IS NULL AND NOT d.acknowledged AND d.next_at <= ? AND d.deadline > ?
            ORDER BY d.next_at LIMIT ? FOR UPDATE OF d SKIP LOCKED)
        UPDATE workflow_deliveries d
        SET attempts = d.attempts + 1, first_sent_at = COALESCE(d.first_sent_at, ?), last_sent_at = ?, next_at = ?, updated_at = ?
        FROM due, server_workflows w, servers s
        WHERE d.id = due.id AND w.intent_id = d.intent_id AND w.event = d.event AND s.intent_id = d.intent_id
        RETURNING d.id, d.intent_id, d.event, d.stage, d.group_id, s.server_id, w.stages, w.workflow, d.attempts, d.first_sent_at,
            d.deadline, d.acknowledged, d.outcome, d.url, d.body, d.callback_root, (w.outcome = 'running' AND w.stage = d.stage) AS running`,
    [now, now, limit, now, now, leaseUntil, now]).then((r: { rows: RecordRow[] }) => r.rows);
    return rows.map((row) => dueOf(ctx, row));
};

export const expired = async (ctx: StoreContext, now: Date, limit: number): Promise<readonly DeliveryRecord[]> => {
    // A stage that ended without its delivery (a launch cancelled by the
    // server's leaving): the delivery is over too, and is not sent again.
    await ctx.knex('workflow_deliveries as d').whereNull('d.outcome')
        .whereNotExists((q) => q.select(ctx.knex.raw('1')).from('server_workflows as w')
            .whereRaw("w.intent_id = d.intent_id AND w.event = d.event AND w.stage = d.stage AND w.outcome = 'running'"))
        .update({ outcome: 'cancelled', completed_at: now, updated_at: now });
    const rows: RecordRow[] = await records(ctx.knex).whereNull('d.outcome').where('d.deadline', '<=', now).orderBy('d.deadline').limit(limit);
    return rows.map(recordOf);
};

export const retryAt = async (ctx: StoreContext, id: string, at: Date, note: string): Promise<void> => {
    await ctx.knex('workflow_deliveries').where({ id }).whereNull('outcome').update({ next_at: at, note, updated_at: ctx.clock.now() });
};

export const acknowledge = async (ctx: StoreContext, id: string, note: string): Promise<void> => {
    await ctx.knex('workflow_deliveries').where({ id }).whereNull('outcome')
        .update({ acknowledged: true, note, updated_at: ctx.clock.now() });
};

// The ends of many deliveries and of their stages in one transaction: a
// statement per kind of change, whatever the number of deliveries.
export const complete = (ctx: StoreContext, ends: readonly DeliveryEnd[]): Promise<readonly boolean[]> => {
    // The first end of a delivery is the one that counts; a later one in the list finds it ended.
    const firsts = ends.filter((e, i) => ends.findIndex((x) => x.id === e.id) === i);
    if (firsts.length === 0) {
        return Promise.resolve([]);
    }

    return ctx.knex.transaction(async (trx) => {
        const now = ctx.clock.now();
        const taken = new Set(await trx.raw(`UPDATE workflow_deliveries d
            SET outcome = v.outcome, reason = v.reason, note = v.note, completed_at = ?, updated_at = ?
            FROM (VALUES ${firsts.map(() => '(?, ?, ?::text, ?)').join(', ')}) AS v(id, outcome, reason, note)
            WHERE d.id = v.id AND d.outcome IS NULL RETURNING d.id`,
        [now, now, ...firsts.flatMap((e) => [e.id, e.end.result, e.end.reason, e.note])]).then((r: { rows: { id: string }[] }) => r.rows.map((row) => row.id)));
        const mine = firsts.filter((e) => taken.has(e.id));
        // Each stage's end with its delivery's activity rows.
        const groups = await endStagesIn(trx, now, mine.map((e) => ({ end: e.end, activity: e.activity })));
        // A delivery whose stage had ended meanwhile is over too, with nothing of the stage written.
        const gone = mine.filter((_e, i) => groups[i] === null).map((e) => e.id);
        if (gone.length > 0) {
            await trx('workflow_deliveries').whereIn('id', gone).update({ outcome: 'cancelled' });
        }

        const written = new Set(mine.filter((_e, i) => groups[i] !== null && groups[i] !== undefined));
        return ends.map((e) => written.has(e));
    });
};

export const lookupToken = async (ctx: StoreContext, token: string): Promise<TokenLookup> => {
    const row: RecordRow | undefined = await records(ctx.knex).where('d.token_hash', ctx.caps.hash(token)).first();
    if (row === undefined) {
        return { kind: 'unknown' };
    }

    return row.outcome !== null || !row.running ? { kind: 'completed' } : { kind: 'pending', delivery: recordOf(row) };
};

export const moveDeadline = async (ctx: StoreContext, id: string, deadline: Date): Promise<boolean> => {
    const moved = await ctx.knex('workflow_deliveries').where({ id }).whereNull('outcome')
        .update({ deadline, updated_at: ctx.clock.now() });
    return moved > 0;
};
