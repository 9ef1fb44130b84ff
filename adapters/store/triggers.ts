// The supervisor's reads and writes (core/engine/supervisor.ts decides): read
// everything a trigger is checked against in one statement, and write the
// activity row with the state it changed in one more. The write is a
// compare-and-set on the group's version, so a decision is only recorded on
// the state it was made from; when another decision got there first, the
// engine decides again under the group's row lock. A trigger never calls Nova.
import type { Knex } from 'knex';
import type { PriorOutcome, TriggerOutcome, TriggerRead } from '../../core/decide/trigger';
import { notFound } from '../../core/model/errors';
import { ActivityId, GroupId, PolicyId, TenantId } from '../../core/model/ids';
import { parseScope, type KillSwitch } from '../../core/model/kill-switch';
import type { TriggerReason } from '../../core/model/activity';
import type { TriggerRequest, TriggerResult } from '../../core/model/trigger';
import type { TriggerTable } from '../../core/ports/supervision';
import type { StoreContext } from './context';
import { prepare, runPrepared } from './prepared';
import { toPolicy, type PolicyRow } from './rows';

interface SnapshotRow extends Omit<PolicyRow, 'id' | 'group_id' | 'cooldown'> {
    desired: number;
    paused: boolean;
    status: string;
    cooldown: number;
    min_entities: number;
    max_entities: number | null;
    last_scaled_at: Date | string | null;
    version: number;
    policy_id: string | null;
    policy_cooldown: number;
    last_executed_at: Date | string | null;
    prior: { id: number | string; decision_id: number | string | null; outcome: PriorOutcome['outcome']; reason: TriggerReason; desired_before: number | null; desired_after: number | null; message: string } | null;
    last_decision: { id: number | string; at: string } | null;
    override: { desired: number | null; min_entities: number | null; max_entities: number | null; reason: string; who: string; expires_at: string; by_admin: boolean } | null;
    kill_switches: { scope: string; mode: KillSwitch['mode']; reason: string; who: string; expires_at: string | null }[];
}

const snapshotSql = (lock: boolean): string => `
    SELECT g.desired, g.paused, g.status, g.cooldown, g.min_entities, g.max_entities, g.last_scaled_at, g.version,
        p.id AS policy_id, p.name, p.adjustment, p.amount, p.type, p.schedule_at, p.schedule_cron, p.schedule_timezone,
        p.cooldown AS policy_cooldown, p.last_executed_at,
        (SELECT row_to_json(a) FROM (SELECT id, decision_id, outcome, reason, desired_before, desired_after, message
            FROM activity WHERE group_id = g.id AND event_id = ?) a) AS prior,
        (SELECT row_to_json(d) FROM (SELECT id, at FROM activity
            WHERE policy_id = p.id AND decision_id IS NULL AND outcome IN ('accepted', 'refused') ORDER BY id DESC LIMIT 1) d) AS last_decision,
        (SELECT row_to_json(o) FROM (SELECT desired, min_entities, max_entities, reason, who, expires_at, by_admin
            FROM overrides WHERE group_id = g.id) o) AS override,
        (SELECT coalesce(json_agg(k), '[]'::json) FROM (SELECT scope, mode, reason, who, expires_at FROM kill_switches) k) AS kill_switches
    FROM groups g LEFT JOIN policies p ON p.group_id = g.id AND p.id = ?
    WHERE g.tenant_id = ? AND g.id = ?${lock ? ' FOR UPDATE OF g' : ''}`;

const readSnapshot = prepare('autoscale_trigger_snapshot', snapshotSql(false));
const lockSnapshot = prepare('autoscale_trigger_snapshot_locked', snapshotSql(true));

const activityColumns = 'group_id, at, source, kind, outcome, reason, message, desired_before, desired_after, who, policy_id, event_id, decision_id';

// An accepted decision: the group moves only if it is still the version decided on.
const applyAccepted = prepare('autoscale_trigger_accept', `
    WITH g AS (UPDATE groups SET desired = ?, last_scaled_at = ?, updated_at = ?, version = version + 1
               WHERE id = ? AND version = ? RETURNING id),
         p AS (UPDATE policies SET last_executed_at = ? WHERE id = ? AND EXISTS (SELECT 1 FROM g) RETURNING id)
    INSERT INTO activity (${activityColumns})
    SELECT g.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM g RETURNING id`);

// A refusal or a coalesced trigger writes its activity row only, if the group is still as read.
const applyOther = prepare('autoscale_trigger_record', `
    INSERT INTO activity (${activityColumns})
    SELECT g.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM groups g WHERE g.id = ? AND g.version = ? RETURNING id`);

const date = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

const toRead = (row: SnapshotRow, request: TriggerRequest, region: string | null): TriggerRead => ({
    decisionInput: {
        group: {
            config: { cooldown: row.cooldown, minEntities: row.min_entities, maxEntities: row.max_entities },
            desired: row.desired,
            paused: row.paused,
            deleting: row.status === 'DELETING',
            lastScaledAt: date(row.last_scaled_at),
            region
        },
        policy: {
            adjustment: toPolicy({ ...row, id: request.policyId, group_id: request.groupId, cooldown: row.policy_cooldown, schedule_at: date(row.schedule_at) }).adjustment,
            cooldown: row.policy_cooldown,
            lastExecutedAt: date(row.last_executed_at)
        },
        override: row.override && {
            desiredCapacity: row.override.desired, minEntities: row.override.min_entities, maxEntities: row.override.max_entities,
            reason: row.override.reason, who: row.override.who, expiresAt: new Date(row.override.expires_at), byAdmin: row.override.by_admin
        },
        killSwitches: row.kill_switches.flatMap((k) => {
            const scope = parseScope(k.scope);
            return scope ? [{ scope, mode: k.mode, reason: k.reason, who: k.who, expiresAt: date(k.expires_at) }] : [];
        }),
        trigger: { forced: request.forced, circleBack: request.circleBack }
    },
    prior: row.prior && {
        activityId: String(row.prior.id),
        decisionId: String(row.prior.decision_id ?? row.prior.id),
        outcome: row.prior.outcome,
        reason: row.prior.reason,
        desiredBefore: row.prior.desired_before ?? 0,
        desiredAfter: row.prior.desired_after ?? 0,
        message: row.prior.message
    },
    lastDecision: row.last_decision && { id: String(row.last_decision.id), at: new Date(row.last_decision.at) }
});

// Writes the outcome; null when the group changed since it was read.
const record = async (ctx: StoreContext, db: Knex | Knex.Transaction, request: TriggerRequest, version: number, outcome: Exclude<TriggerOutcome, { kind: 'replay' }>, now: Date): Promise<TriggerResult | null> => {
    const kind = request.circleBack ? 'circle_back' : 'execute';
    const usePg = ctx.kind === 'postgres';
    const row = (o: { outcome: string; reason: string; message: string; before: number; after: number; decisionId: string | null }) =>
        [now, request.source, kind, o.outcome, o.reason, o.message, o.before, o.after, request.who, request.policyId, request.eventId, o.decisionId];

    if (outcome.kind === 'coalesced') {
        const values = row({ outcome: 'coalesced', reason: 'debounced', message: outcome.message, before: outcome.desired, after: outcome.desired, decisionId: outcome.decisionId });
        const [inserted] = await runPrepared<{ id: string | number }>(db, usePg, applyOther, [...values, request.groupId, version]);
        return inserted ? {
            activityId: ActivityId(String(inserted.id)), decisionId: ActivityId(outcome.decisionId), outcome: 'coalesced', reason: 'debounced',
            desiredBefore: outcome.desired, desiredAfter: outcome.desired, message: outcome.message, replay: false
        } : null;
    }

    const { decision } = outcome;
    const message = request.note ? `${decision.message} (${request.note})` : decision.message;
    const values = row({ outcome: decision.outcome, reason: decision.reason, message, before: decision.desiredBefore, after: decision.desiredAfter, decisionId: null });
    const [inserted] = decision.outcome === 'accepted' ?
        await runPrepared<{ id: string | number }>(db, usePg, applyAccepted, [decision.desiredAfter, now, now, request.groupId, version, now, request.policyId, ...values]) :
        await runPrepared<{ id: string | number }>(db, usePg, applyOther, [...values, request.groupId, version]);
    if (!inserted) {
        return null;
    }

    const activityId = ActivityId(String(inserted.id));
    return { activityId, decisionId: activityId, ...decision, message, replay: false };
};

const uniqueViolation = (err: unknown): boolean => typeof err === 'object' && err !== null && 'code' in err && err.code === '23505';

const table = (ctx: StoreContext, db: Knex | Knex.Transaction, lock: boolean): TriggerTable => ({
    readTrigger: async (request, region) => {
        const [row] = await runPrepared<SnapshotRow>(db, ctx.kind === 'postgres', lock ? lockSnapshot : readSnapshot,
            [request.eventId, request.policyId, request.tenantId, request.groupId]);
        if (!row) {
            throw notFound('group', request.groupId);
        }

        if (row.policy_id === null) {
            throw notFound('policy', request.policyId);
        }

        return { read: toRead(row, request, region), version: row.version };
    },
    recordTrigger: async (request, version, outcome, now) => {
        try {
            return await record(ctx, db, request, version, outcome, now);
        }
        catch (err) {
            // The same event id was taken meanwhile: decided again under the lock, it answers as that one did.
            if (!lock && request.eventId !== null && uniqueViolation(err)) {
                return null;
            }

            throw err;
        }
    }
});

export const triggerTable = (ctx: StoreContext): TriggerTable => table(ctx, ctx.knex, false);

// No group has the nil UUID (ids are random v4 UUIDs), so nothing a decoy runs can match a row.
const NIL = '00000000-0000-0000-0000-000000000000';

// What a decoy decides on: a group at desired 0 with a +1 webhook policy, so
// that it takes the accepted path, a trigger's most common and dearest one.
const DECOY_ROW: SnapshotRow = {
    desired: 0, paused: false, status: 'ACTIVE', cooldown: 0, min_entities: 0, max_entities: 10, last_scaled_at: null, version: 0,
    policy_id: NIL, name: 'decoy', adjustment: 'change', amount: 1, type: 'webhook', schedule_at: null, schedule_cron: null, schedule_timezone: null,
    policy_cooldown: 0, last_executed_at: null, prior: null, last_decision: null, override: null, kill_switches: []
};

const nilOf = (request: TriggerRequest): TriggerRequest => ({ ...request, tenantId: TenantId(NIL), groupId: GroupId(NIL), policyId: PolicyId(NIL) });

// The trigger's own statements and row handling, with the nil ids in place of
// the request's (whatever it names): the same work up to the rows found, and
// never a row written.
export const decoyTable = (ctx: StoreContext): TriggerTable => ({
    readTrigger: async (request, region) => {
        const nil = nilOf(request);
        const [row] = await runPrepared<SnapshotRow>(ctx.knex, ctx.kind === 'postgres', readSnapshot, [nil.eventId, nil.policyId, nil.tenantId, nil.groupId]);
        return { read: toRead(row ?? DECOY_ROW, nil, region), version: row?.version ?? DECOY_ROW.version };
    },
    recordTrigger: (request, version, outcome, now) => record(ctx, ctx.knex, nilOf(request), version, outcome, now)
});

export const lockedTrigger = <T>(ctx: StoreContext, work: (locked: TriggerTable) => Promise<T>): Promise<T> =>
    ctx.knex.transaction((trx) => work(table(ctx, trx, true)));
