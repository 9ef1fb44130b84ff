// The ownership ledger (design idea 3): what a plan reads, and what the
// converger writes as it acts. An intent row is committed before its create is
// sent; each write is one transaction (or one statement).
import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { effectiveMax } from '../../core/model/bounds';
import { GroupId, TenantId } from '../../core/model/ids';
import type { IntentState, LedgerEntry, WorkflowProgress } from '../../core/model/ledger';
import type { DeleteReason, WorkflowFailureReason } from '../../core/model/activity';
import { memberStagesOf, workflowOf } from './workflows';
import type { GroupStatus, LaunchConfig } from '../../core/model/group';
import type { ConvergenceSnapshot, Observation } from '../../core/ports/convergence';
import type { ActivityInput } from '../../core/model/activity';
import type { StoreContext } from './context';
import { insertGroupActivities as insertActivities } from './activity';
import { readKillSwitches } from './overrides';

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
}

// A group's live ledger as one row: [intent_id, server_id, state, created_at,
// leaves, workflow outcome, workflow reason, deleted_reason] each, the time in
// epoch milliseconds; the workflow is the one its state runs (launch while
// joining, terminate while leaving). One row per group, not per server,
// parsed as JSON: a sweep reads 100,000 entries.
type EntryTuple = [string, string | null, IntentState, number, boolean, WorkflowProgress['outcome'] | 'cancelled' | null, WorkflowFailureReason | null, DeleteReason | null];

interface LedgerGroupRow {
    group_id: string;
    entries: EntryTuple[];
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

interface OrphanRow {
    group_id: string;
    server_id: string;
    first_seen_at: Date;
}

const byGroup = <R extends { group_id: string }>(rows: readonly R[]): Map<string, R[]> => {
    const map = new Map<string, R[]>();
    for (const row of rows) {
        const list = map.get(row.group_id);
        if (list) {
            list.push(row);
        }
        else {
            map.set(row.group_id, [row]);
        }
    }

    return map;
};

// The snapshots of many groups in five statements, whatever their number (the
// sweep reads a page at a time); a group that no longer exists is absent.
export const readConvergences = async (ctx: StoreContext, groupIds: readonly GroupId[]): Promise<ReadonlyMap<GroupId, ConvergenceSnapshot>> => {
    if (groupIds.length === 0) {
        return new Map();
    }

    const now = ctx.clock.now();
    // One array parameter, not a placeholder per id: a page is a thousand groups.
    const ids = ctx.knex.raw('ANY(?::text[])', [[...groupIds]]);
    const [rows, ledgerRows, orphanRows, killSwitches, memberStages] = await Promise.all([
        ctx.knex('groups as g')
            .leftJoin('overrides as o', function () {
                this.on('o.group_id', '=', 'g.id').andOn('o.expires_at', '>', ctx.knex.raw('?', [now]));
            })
            .where('g.id', '=', ids)
            .select('g.id', 'g.tenant_id', 'g.desired', 'g.max_entities', 'g.paused', 'g.status', 'g.launch', 'o.max_entities as override_max',
                'g.build_failures', 'g.next_converge_at', 'g.workflow') as Promise<SnapshotRow[]>,
        ctx.knex('servers as s').where('s.group_id', '=', ids).whereNot({ 's.state': 'gone' }).groupBy('s.group_id')
            .leftJoin('server_workflows as w', function () {
                this.on('w.intent_id', '=', 's.intent_id').andOn('w.event', '=', ctx.knex.raw("CASE s.state WHEN 'leaving' THEN 'terminate' ELSE 'launch' END"));
            })
            .select('s.group_id', ctx.knex.raw(`json_agg(json_build_array(s.intent_id, s.server_id, s.state, floor(extract(epoch FROM s.created_at) * 1000),
                s.leaves, w.outcome, w.reason, s.deleted_reason) ORDER BY s.created_at, s.intent_id) AS entries`)) as Promise<LedgerGroupRow[]>,
        ctx.knex('orphans').where('group_id', '=', ids).orderBy(['group_id', 'server_id']).select('group_id', 'server_id', 'first_seen_at') as Promise<OrphanRow[]>,
        readKillSwitches(ctx.knex),
        memberStagesOf(ctx, ids)
    ]);
    const ledgers = new Map(ledgerRows.map((r) => [r.group_id, r.entries]));
    const orphans = byGroup(orphanRows);
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
        memberStages: memberStages.get(row.id) ?? [],
        ledger: (ledgers.get(row.id) ?? []).map(entryOf),
        orphans: (orphans.get(row.id) ?? []).map((o) => ({ serverId: o.server_id, since: new Date(o.first_seen_at) })),
        killSwitches,
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
// One multi-row INSERT (atomic: no transaction around it).
export const writeIntents = async (ctx: StoreContext, groupId: GroupId, count: number): Promise<LedgerEntry[]> => {
    const now = ctx.clock.now();
    const rows = Array.from({ length: count }, () => ({ intent_id: randomUUID(), group_id: groupId, server_id: null, state: 'intent', created_at: now, updated_at: now }));
    if (rows.length > 0) {
        await ctx.knex('servers').insert(rows);
    }

    return rows.map((r) => ({ intentId: r.intent_id, serverId: null, state: 'intent' as const, createdAt: now }));
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

// Committed before the deletes are sent.
export const markDeleting = (ctx: StoreContext, deletes: readonly { intentId: string; reason: string }[]): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        const now = ctx.clock.now();
        for (const d of deletes) {
            await trx('servers').where({ intent_id: d.intentId }).whereNot({ state: 'gone' })
                .update({ state: 'deleting', deleted_reason: d.reason, updated_at: now });
        }
    });
