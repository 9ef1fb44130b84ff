// The ownership ledger (design idea 3): what a plan reads, and what the
// converger writes as it acts. An intent row is committed before its create is
// sent; each write is one transaction (or one statement).
import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { effectiveMax } from '../../core/model/bounds';
import { GroupId, type LeaseGeneration, TenantId } from '../../core/model/ids';
import type { IntentState, LedgerEntry, WorkflowProgress } from '../../core/model/ledger';
import type { DeleteReason, WorkflowFailureReason } from '../../core/model/activity';
import { workflowOf } from './workflows';
import type { GroupStatus, LaunchConfig } from '../../core/model/group';
import type { ConvergenceSnapshot, MemberStage, Observation } from '../../core/ports/convergence';
import { membersDetailOf } from '../../core/model/members';
import type { WorkflowEvent } from '../../core/model/workflow';
import type { ActivityInput } from '../../core/model/activity';
import type { StoreContext } from './context';
import { insertGroupActivities as insertActivities } from './activity';
import { killSwitchesOf, type KillSwitchRow } from './overrides';
import { LEASE_HELD } from './lease';

// A group's live ledger as one JSON array: [intent_id, server_id, state,
// created_at, leaves, workflow outcome, workflow reason, deleted_reason] each,
// the time in epoch milliseconds; the workflow is the one its state runs
// (launch while joining, terminate while leaving). One value per group, not a
// row per server, parsed as JSON: a sweep reads 100,000 entries.
type EntryTuple = [string, string | null, IntentState, number, boolean, WorkflowProgress['outcome'] | 'cancelled' | null, WorkflowFailureReason | null, DeleteReason | null];

// [server_id, first_seen_at in epoch milliseconds]
type OrphanTuple = [string, number];

// A running members stage: [intent_id, event, server_id, stage, number of stages, detail]
type MemberStageTuple = [string, WorkflowEvent, string | null, number, number, unknown];

interface SnapshotRow {
    id: string;
    tenant_id: string;
    desired: number;
    max_entities: number | null;
    paused: boolean;
    status: GroupStatus;
    launch: LaunchConfig;
    override_max: number | null;
    build_failures: number;
    next_converge_at: Date | null;
    workflow: unknown;
    entries: EntryTuple[] | null;
    orphans: OrphanTuple[] | null;
    member_stages: MemberStageTuple[] | null;
    kill_switches: KillSwitchRow[] | null;
}

// A ledger row as the planner reads it; a workflow state without its row
// (which the schema's transactions never leave) reads as still running.
const entryOf = ([intentId, serverId, state, createdAt, leaves, outcome, reason, deletedReason]: EntryTuple): LedgerEntry => {
    const base = { intentId, serverId, createdAt: new Date(createdAt) };
    const workflow: WorkflowProgress = { outcome: outcome === null || outcome === 'cancelled' ? 'running' : outcome, reason };
    switch (state) {
        case 'joining':
            return { ...base, state, workflow, leaves };
        case 'leaving':
            return { ...base, state, workflow, leaveReason: deletedReason ?? 'scale_down' };
        default:
            return { ...base, state, leaves };
    }
};

// A stage runs only once its server is known (the schema's transactions never leave one without).
const memberStageOf = ([intentId, event, serverId, stage, stageCount, detail]: MemberStageTuple): MemberStage[] =>
    serverId === null ? [] : [{ intentId, serverId, event, stageIndex: stage, last: stage + 1 >= stageCount, detail: membersDetailOf(detail) }];

// The snapshots of many groups in one statement, whatever their number (the
// sweep reads a page at a time; a converger pass reads one group, and a
// statement is a round trip): each group's row carries its ledger, orphans
// and running members stages as JSON, and the kill-switches (one small list,
// read once by the plan) beside them. A group that no longer exists is absent.
const SNAPSHOTS = `SELECT g.id, g.tenant_id, g.desired, g.max_entities, g.paused, g.status, g.launch, o.max_entities AS override_max,
        g.build_failures, g.next_converge_at, g.workflow,
        (SELECT json_agg(json_build_array(s.intent_id, s.server_id, s.state, floor(extract(epoch FROM s.created_at) * 1000),
                s.leaves, w.outcome, w.reason, s.deleted_reason) ORDER BY s.created_at, s.intent_id)
            FROM servers s LEFT JOIN server_workflows w ON w.intent_id = s.intent_id AND w.event = CASE s.state WHEN 'leaving' THEN 'terminate' ELSE 'launch' END
            WHERE s.group_id = g.id AND s.state <> 'gone') AS entries,
        (SELECT json_agg(json_build_array(r.server_id, floor(extract(epoch FROM r.first_seen_at) * 1000)) ORDER BY r.server_id)
            FROM orphans r WHERE r.group_id = g.id) AS orphans,
        (SELECT json_agg(json_build_array(w.intent_id, w.event, s.server_id, w.stage, jsonb_array_length(w.stages), w.detail) ORDER BY w.stage_started_at, w.intent_id)
            FROM server_workflows w JOIN servers s ON s.intent_id = w.intent_id
            WHERE w.group_id = g.id AND w.outcome = 'running' AND w.stages ->> w.stage = 'members') AS member_stages,
        (SELECT json_agg(json_build_object('scope', k.scope, 'mode', k.mode, 'reason', k.reason, 'who', k.who,
                'expires_at', floor(extract(epoch FROM k.expires_at) * 1000)) ORDER BY k.scope)
            FROM kill_switches k) AS kill_switches
    FROM groups g LEFT JOIN overrides o ON o.group_id = g.id AND o.expires_at > ?
    WHERE g.id = ANY(?::text[])`;

export const readConvergences = async (ctx: StoreContext, groupIds: readonly GroupId[]): Promise<ReadonlyMap<GroupId, ConvergenceSnapshot>> => {
    if (groupIds.length === 0) {
        return new Map();
    }

    // One array parameter, not a placeholder per id: a page is a thousand groups.
    const { rows }: { rows: SnapshotRow[] } = await ctx.knex.raw(SNAPSHOTS, [ctx.clock.now(), [...groupIds]]);
    return new Map(rows.map((row) => [GroupId(row.id), {
        groupId: GroupId(row.id),
        tenantId: TenantId(row.tenant_id),
        desired: row.desired,
        maxEntities: effectiveMax({ maxEntities: row.override_max ?? row.max_entities }),
        paused: row.paused,
        status: row.status,
        launchServer: row.launch.args.server,
        workflow: workflowOf(row.workflow),
        loadBalancers: row.launch.args.loadBalancers ?? [],
        drainingTimeoutS: row.launch.args.drainingTimeoutS ?? 0,
        memberStages: (row.member_stages ?? []).flatMap(memberStageOf),
        ledger: (row.entries ?? []).map(entryOf),
        orphans: (row.orphans ?? []).map(([serverId, since]) => ({ serverId, since: new Date(since) })),
        killSwitches: killSwitchesOf(row.kill_switches ?? []),
        buildFailures: row.build_failures,
        createsNotBefore: row.next_converge_at === null ? null : new Date(row.next_converge_at)
    }]));
};

export const readConvergence = async (ctx: StoreContext, groupId: GroupId): Promise<ConvergenceSnapshot | null> =>
    (await readConvergences(ctx, [groupId])).get(groupId) ?? null;

// One INSERT, no transaction around it: a statement is atomic.
export const recordActivity = (ctx: StoreContext, groupId: GroupId, activity: readonly ActivityInput[]): Promise<void> =>
    insertActivities(ctx.knex, groupId, ctx.clock.now(), activity);

// Replaces the group's orphans with the plan's, keeping each first sighting.
const saveOrphans = async (trx: Knex.Transaction, groupId: GroupId, orphans: Observation['orphans']): Promise<void> => {
    if (orphans === null) {
        return;
    }

    await trx('orphans').where({ group_id: groupId }).whereNotIn('server_id', orphans.map((o) => o.serverId)).delete();
    if (orphans.length > 0) {
        await trx('orphans').insert(orphans.map((o) => ({ group_id: groupId, server_id: o.serverId, first_seen_at: o.since })))
            .onConflict(['group_id', 'server_id']).merge(['first_seen_at']);
    }
};

export const recordObservation = (ctx: StoreContext, groupId: GroupId, o: Observation): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        const now = ctx.clock.now();
        for (const adopt of o.adopts) {
            await trx('servers').where({ intent_id: adopt.intentId, group_id: groupId }).whereNull('server_id')
                .update({ server_id: adopt.serverId, state: 'building', updated_at: now });
        }

        for (const retire of o.retires) {
            await trx('servers').where({ intent_id: retire.intentId, group_id: groupId })
                .update({ state: 'gone', deleted_reason: retire.reason, updated_at: now });
        }

        // Only live, undeleted entries follow Nova's status: a delete we asked for stays 'deleting'.
        // One statement per state, whatever the number of servers that moved.
        for (const state of ['building', 'active'] as const) {
            const ids = o.states.flatMap((s) => (s.state === state ? [s.intentId] : []));
            if (ids.length > 0) {
                await trx('servers').where({ group_id: groupId }).andWhere('intent_id', '=', ctx.knex.raw('ANY(?::text[])', [ids]))
                    .whereIn('state', ['intent', 'building', 'active']).whereNot({ state }).update({ state, updated_at: now });
            }
        }

        // A build that reached ACTIVE ends the group's run of failed builds.
        if (o.states.some((s) => s.state === 'active')) {
            await trx('groups').where({ id: groupId }).where('build_failures', '>', 0).update({ build_failures: 0 });
        }

        await saveOrphans(trx, groupId, o.orphans);
        await insertActivities(trx, groupId, now, o.activity);
    });

// Committed before any create is sent: a crash after this leaves intents the
// next listing adopts (by the intent id each server carries) or retires.
// One INSERT of an array of new ids (atomic: no transaction around it), made
// only while the group's lease is of the run's generation (null: it is not,
// and nothing was written).
export const writeIntents = async (ctx: StoreContext, groupId: GroupId, count: number, generation: LeaseGeneration): Promise<LedgerEntry[] | null> => {
    const now = ctx.clock.now();
    const ids = Array.from({ length: count }, () => randomUUID());
    // A data-modifying WITH runs once whatever reads it; the lease row is the answer.
    const written: { rows: unknown[] } = await ctx.knex.raw(`WITH lease AS (${LEASE_HELD}), written AS (
            INSERT INTO servers (intent_id, group_id, server_id, state, created_at, updated_at)
            SELECT intent_id, ?::text, NULL, 'intent', ?::timestamptz, ?::timestamptz FROM unnest(?::text[]) AS i(intent_id), lease
        )
        SELECT held FROM lease`, [groupId, generation, groupId, now, now, ids]);
    if (written.rows.length === 0) {
        return null;
    }

    return ids.map((intentId) => ({ intentId, serverId: null, state: 'intent' as const, createdAt: now }));
};

// The ids Nova gave the creates of a pass, in one statement.
export const setServerIds = async (ctx: StoreContext, created: readonly { readonly intentId: string; readonly serverId: string }[]): Promise<void> => {
    if (created.length === 0) {
        return;
    }

    // A listing may have adopted one meanwhile: never overwrite a known server id.
    await ctx.knex.raw(`UPDATE servers AS s SET server_id = c.server_id, state = 'building', updated_at = ?
        FROM unnest(?::text[], ?::text[]) AS c(intent_id, server_id)
        WHERE s.intent_id = c.intent_id AND s.server_id IS NULL AND s.state <> 'gone'`,
    [ctx.clock.now(), created.map((c) => c.intentId), created.map((c) => c.serverId)]);
};

export const retireIntent = async (ctx: StoreContext, intentId: string, reason: string): Promise<void> => {
    await ctx.knex('servers').where({ intent_id: intentId }).update({ state: 'gone', deleted_reason: reason, updated_at: ctx.clock.now() });
};

// Committed before the deletes are sent, in one statement made only while
// the group's lease is of the run's generation (false: it is not, and nothing
// was written).
export const markDeleting = async (ctx: StoreContext, groupId: GroupId, deletes: readonly { intentId: string; reason: string }[], generation: LeaseGeneration): Promise<boolean> => {
    const marked: { rows: unknown[] } = await ctx.knex.raw(`WITH lease AS (${LEASE_HELD}), marked AS (
            UPDATE servers AS s SET state = 'deleting', deleted_reason = d.reason, updated_at = ?
            FROM unnest(?::text[], ?::text[]) AS d(intent_id, reason), lease
            WHERE s.intent_id = d.intent_id AND s.group_id = ? AND s.state <> 'gone'
        )
        SELECT held FROM lease`,
    [groupId, generation, ctx.clock.now(), deletes.map((d) => d.intentId), deletes.map((d) => d.reason), groupId]);
    return marked.rows.length > 0;
};
