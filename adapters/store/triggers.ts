// The supervisor's transaction: lock the group, take the event id once, check
// the debounce window, decide (core/decide-policy.ts), and write the activity
// row with the state it changed. A trigger never calls Nova.
import type { Knex } from 'knex';
import { coalesces } from '../../core/debounce';
import { decidePolicy } from '../../core/decide-policy';
import { notFound } from '../../core/errors';
import { ActivityId } from '../../core/ids';
import type { ReasonCode } from '../../core/reasons';
import type { TriggerRequest, TriggerResult, TriggerRules } from '../../core/ports/store';
import type { StoreContext } from './context';
import { insertActivity } from './groups';
import { toPolicy, type PolicyRow } from './rows';
import { readKillSwitches, readOverride } from './supervision';

interface LockedGroup {
    desired: number;
    paused: boolean;
    cooldown: number;
    min_entities: number;
    max_entities: number | null;
    last_scaled_at: Date | null;
}

interface DecidedRow {
    id: string | number;
    decision_id: string | number | null;
    outcome: TriggerResult['outcome'];
    reason: ReasonCode | 'debounced';
    desired_before: number | null;
    desired_after: number | null;
    message: string;
}

type PolicyState = PolicyRow & { last_executed_at: Date | null };

const replay = (row: DecidedRow): TriggerResult => ({
    activityId: ActivityId(String(row.id)),
    decisionId: ActivityId(String(row.decision_id ?? row.id)),
    outcome: row.outcome,
    reason: row.reason,
    desiredBefore: row.desired_before ?? 0,
    desiredAfter: row.desired_after ?? 0,
    message: row.message,
    replay: true
});

const decide = async (ctx: StoreContext, trx: Knex.Transaction, request: TriggerRequest, rules: TriggerRules): Promise<TriggerResult> => {
    const group: LockedGroup | undefined = await trx('groups').where({ tenant_id: request.tenantId, id: request.groupId }).forUpdate()
        .first('desired', 'paused', 'cooldown', 'min_entities', 'max_entities', 'last_scaled_at');
    if (!group) {
        throw notFound('group', request.groupId);
    }

    if (request.eventId !== null) {
        const prior: DecidedRow | undefined = await trx('activity').where({ event_id: request.eventId }).first();
        if (prior) {
            return replay(prior);
        }
    }

    const policy: PolicyState | undefined = await trx('policies').where({ id: request.policyId, group_id: request.groupId }).forUpdate().first();
    if (!policy) {
        throw notFound('policy', request.policyId);
    }

    const now = ctx.clock.now();
    const links = { policyId: request.policyId, eventId: request.eventId };
    const kind = request.circleBack ? 'circle_back' : 'execute';
    // The policy's latest decision (not a coalesced row): what later triggers coalesce into.
    const last: { id: string | number; at: Date } | undefined = request.forced || rules.debounceMs === 0 ? undefined : await trx('activity')
        .where({ policy_id: request.policyId, decision_id: null }).whereIn('outcome', ['accepted', 'refused'])
        .orderBy('id', 'desc').first('id', 'at');
    if (last && coalesces(new Date(last.at), now, rules.debounceMs, request.forced)) {
        const decisionId = ActivityId(String(last.id));
        const message = `Coalesced into decision ${decisionId} (within ${rules.debounceMs} ms)`;
        const activityId = await insertActivity(trx, request.groupId, now, {
            source: request.source, kind, outcome: 'coalesced', reason: 'debounced', message,
            desiredBefore: group.desired, desiredAfter: group.desired, who: request.who
        }, { ...links, decisionId });
        return { activityId, decisionId, outcome: 'coalesced', reason: 'debounced', desiredBefore: group.desired, desiredAfter: group.desired, message, replay: false };
    }

    const decision = decidePolicy({
        now,
        group: {
            config: { cooldown: group.cooldown, minEntities: group.min_entities, maxEntities: group.max_entities },
            desired: group.desired,
            paused: group.paused,
            lastScaledAt: group.last_scaled_at,
            region: rules.region
        },
        policy: { adjustment: toPolicy(policy).adjustment, cooldown: policy.cooldown, lastExecutedAt: policy.last_executed_at },
        override: await readOverride(trx, request.groupId),
        killSwitches: await readKillSwitches(trx),
        trigger: { forced: request.forced, circleBack: request.circleBack }
    });
    const message = request.note ? `${decision.message} (${request.note})` : decision.message;
    const activityId = await insertActivity(trx, request.groupId, now, {
        source: request.source, kind, outcome: decision.outcome, reason: decision.reason, message,
        desiredBefore: decision.desiredBefore, desiredAfter: decision.desiredAfter, who: request.who
    }, links);

    if (decision.outcome === 'accepted') {
        await trx('groups').where({ id: request.groupId }).update({ desired: decision.desiredAfter, last_scaled_at: now, updated_at: now });
        await trx('policies').where({ id: request.policyId }).update({ last_executed_at: now });
    }

    return { activityId, decisionId: activityId, ...decision, message, replay: false };
};

const uniqueViolation = (err: unknown): boolean => typeof err === 'object' && err !== null && 'code' in err && err.code === '23505';

export const trigger = async (ctx: StoreContext, request: TriggerRequest, rules: TriggerRules): Promise<TriggerResult> => {
    try {
        return await ctx.knex.transaction((trx) => decide(ctx, trx, request, rules));
    }
    catch (err) {
        // The same event id raced in through another group's lock: the other
        // transaction took it, so this one answers as that one did.
        if (request.eventId !== null && uniqueViolation(err)) {
            return ctx.knex.transaction((trx) => decide(ctx, trx, request, rules));
        }

        throw err;
    }
};
