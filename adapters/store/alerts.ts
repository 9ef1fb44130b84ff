// Alert episodes (contract §6): alert_events makes intake idempotent by event
// id; alert_episodes keeps each (tenant, rule, entity)'s state and, while
// CRITICAL, its attempt count and next attempt. Attempts are claimed under a
// row lock (FOR UPDATE SKIP LOCKED) and counted before they fire, so two plugin
// instances never fire the same attempt and a restart keeps the count.
import type { Knex } from 'knex';
import { nextAttemptAt, warmUp } from '../../core/decide/alert-episode';
import type { LockedEpisode } from '../../core/ports/supervision';
import type { AlertKey, AlertRecord, AlertState, AttemptClaim, AttemptClaimRequest, AutoscaleAction, Episode, EpisodeStart } from '../../core/model/alert';
import type { StoreContext } from './context';
import { prepare, runPrepared } from './prepared';

interface EpisodeRow {
    tenant_id: string;
    rule_id: string;
    entity_id: string;
    state: AlertState;
    last_at: Date | string;
    actions: AutoscaleAction[] | string;
    attempts: number;
    next_attempt_at: Date | string | null;
    warming: boolean;
}

const keyColumns = (key: AlertKey) => ({ tenant_id: key.tenantId, rule_id: key.ruleId, entity_id: key.entityId });

const toEpisode = (row: EpisodeRow): Episode => ({
    state: row.state,
    lastAt: new Date(row.last_at),
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at === null ? null : new Date(row.next_attempt_at)
});

const actionsOf = (row: EpisodeRow): readonly AutoscaleAction[] =>
    typeof row.actions === 'string' ? JSON.parse(row.actions) as AutoscaleAction[] : row.actions;

// The latest actions the host sent win: a rule edited mid-episode circles back with its new actions.
const episodeColumns = (episode: Episode, actions: readonly AutoscaleAction[]) => ({
    state: episode.state,
    last_at: episode.lastAt,
    attempts: episode.attempts,
    next_attempt_at: episode.nextAttemptAt,
    actions: JSON.stringify(actions)
});

// A twin transition of the same alert inserted its row first: the whole unit
// of work runs again, against that row.
const lostRace = new Error('alert episode inserted concurrently');

export const withAlertEpisode = async <T>(ctx: StoreContext, record: AlertRecord, work: (locked: LockedEpisode | null) => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
        try {
            return await ctx.knex.transaction(async (trx) => {
                // A concurrent twin waits on the primary key here, then finds it taken.
                const fresh: unknown[] = await trx('alert_events')
                    .insert({ event_id: record.eventId, tenant_id: record.tenantId, rule_id: record.ruleId, received_at: record.now })
                    .onConflict(['tenant_id', 'rule_id', 'event_id']).ignore().returning('event_id');
                if (fresh.length === 0) {
                    return work(null);
                }

                const key = keyColumns(record);
                const row: EpisodeRow | undefined = await trx('alert_episodes').where(key).forUpdate().first();
                return work({
                    current: row ? toEpisode(row) : null,
                    write: async (episode, actions) => {
                        if (row) {
                            await trx('alert_episodes').where(key).update(episodeColumns(episode, actions));
                            return;
                        }

                        const inserted: unknown[] = await trx('alert_episodes').insert({ ...key, ...episodeColumns(episode, actions) })
                            .onConflict(['tenant_id', 'rule_id', 'entity_id']).ignore().returning('rule_id');
                        if (inserted.length === 0) {
                            throw lostRace;
                        }
                    }
                });
            });
        }
        catch (err) {
            if (err !== lostRace || attempt > 1) {
                throw err;
            }
        }
    }
};

// A new episode and its first attempt in one statement: nothing happens when
// the event id was seen (a replay) or the alert already has a row (the
// general path decides that one under the row lock). The wait before the next
// attempt is the longest cooldown of the actions' groups and policies.
const startEpisode = prepare('autoscale_start_alert_episode', `
    WITH seen AS (SELECT 1 FROM alert_events WHERE tenant_id = ? AND rule_id = ? AND event_id = ?),
         cool AS (SELECT coalesce(max(greatest(g.cooldown, p.cooldown)), 0) AS s
                  FROM jsonb_to_recordset(?::jsonb) AS a("groupId" text, "policyId" text)
                  JOIN groups g ON g.id = a."groupId" AND g.tenant_id = ?
                  JOIN policies p ON p.id = a."policyId" AND p.group_id = g.id),
         ins AS (INSERT INTO alert_episodes (tenant_id, rule_id, entity_id, state, last_at, actions, attempts, next_attempt_at)
                 SELECT ?, ?, ?, 'CRITICAL', ?, ?::jsonb, 1, ?::timestamptz + make_interval(secs => greatest(?::float8, (SELECT s FROM cool)))
                 WHERE NOT EXISTS (SELECT 1 FROM seen)
                 ON CONFLICT (tenant_id, rule_id, entity_id) DO NOTHING RETURNING next_attempt_at),
         ev AS (INSERT INTO alert_events (event_id, tenant_id, rule_id, received_at) SELECT ?, ?, ?, ? FROM ins RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM seen) AS replay, (SELECT next_attempt_at FROM ins) AS next_attempt_at, (SELECT count(*) FROM ev) AS recorded`);

export const startAlertEpisode = async (ctx: StoreContext, record: AlertRecord, floorMs: number): Promise<EpisodeStart> => {
    const actions = JSON.stringify(record.actions);
    const [row] = await runPrepared<{ replay: boolean; next_attempt_at: Date | string | null }>(ctx.knex, ctx.kind === 'postgres', startEpisode, [
        record.tenantId, record.ruleId, record.eventId, actions, record.tenantId,
        record.tenantId, record.ruleId, record.entityId, record.at, actions, record.now, floorMs / 1000,
        record.eventId, record.tenantId, record.ruleId, record.now
    ]);
    if (!row || row.replay) {
        return { status: 'replay' };
    }

    if (row.next_attempt_at === null) {
        return { status: 'exists' };
    }

    return {
        status: 'started',
        claim: {
            key: { tenantId: record.tenantId, ruleId: record.ruleId, entityId: record.entityId },
            attempt: 1,
            actions: record.actions,
            nextAttemptAt: new Date(row.next_attempt_at)
        }
    };
};

// Cooldowns (seconds) of the actions' groups and policies that still exist for the tenant.
const cooldownsOf = async (trx: Knex.Transaction, tenantId: string, actions: readonly AutoscaleAction[]): Promise<number[]> => {
    if (actions.length === 0) {
        return [];
    }

    const rows: { group_id: string; policy_id: string; group_cooldown: number; policy_cooldown: number }[] = await trx('policies as p')
        .join('groups as g', 'g.id', 'p.group_id')
        .where('g.tenant_id', tenantId)
        .whereIn('p.id', actions.map((a) => a.policyId))
        .select('g.id as group_id', 'p.id as policy_id', 'g.cooldown as group_cooldown', 'p.cooldown as policy_cooldown');
    return rows
        .filter((r) => actions.some((a) => a.groupId === r.group_id && a.policyId === r.policy_id))
        .flatMap((r) => [Number(r.group_cooldown), Number(r.policy_cooldown)]);
};

// Servers on their way into service in the actions' groups (the tenant's):
// building, or in their launch workflow.
const serversComing = async (trx: Knex.Transaction, tenantId: string, actions: readonly AutoscaleAction[]): Promise<number> => {
    if (actions.length === 0) {
        return 0;
    }

    const [row] = await trx('servers as s').join('groups as g', 'g.id', 's.group_id')
        .where('g.tenant_id', tenantId).whereIn('s.group_id', actions.map((a) => a.groupId))
        .whereIn('s.state', ['intent', 'building', 'joining']).count({ n: '*' });
    return Number(row?.n ?? 0);
};

export const claimAlertAttempts = (ctx: StoreContext, request: AttemptClaimRequest): Promise<readonly AttemptClaim[]> =>
    ctx.knex.transaction(async (trx) => {
        const { now, cap, only } = request;
        let query = trx('alert_episodes')
            .where('state', 'CRITICAL')
            .andWhere('next_attempt_at', '<=', now)
            .andWhere('attempts', '<', cap);
        if (only) {
            query = query.andWhere({ ...keyColumns(only), attempts: only.attempts });
        }

        // Rows another instance is claiming are skipped, not waited for.
        const rows: EpisodeRow[] = await query.orderBy('next_attempt_at').limit(request.limit).forUpdate().skipLocked().select('*');
        const claims: AttemptClaim[] = [];
        for (const row of rows) {
            const actions = actionsOf(row);
            const cooldowns = await cooldownsOf(trx, row.tenant_id, actions);
            const key = { tenant_id: row.tenant_id, rule_id: row.rule_id, entity_id: row.entity_id };
            const step = warmUp({
                attempts: row.attempts, warming: row.warming, serversComing: await serversComing(trx, row.tenant_id, actions), now, cooldownsS: cooldowns, floorMs: request.floorMs
            });
            if (step.kind === 'wait') {
                await trx('alert_episodes').where({ ...key, attempts: row.attempts }).update({ warming: step.warming, next_attempt_at: step.nextAttemptAt });
                continue;
            }

            const next = nextAttemptAt(now, cooldowns, request.floorMs);
            // `attempts = ?` as well as the lock: the count moves from exactly what was read.
            const moved: unknown[] = await trx('alert_episodes')
                .where({ tenant_id: row.tenant_id, rule_id: row.rule_id, entity_id: row.entity_id, attempts: row.attempts })
                .update({ attempts: row.attempts + 1, next_attempt_at: next, warming: false }).returning('attempts');
            if (moved.length > 0) {
                claims.push({
                    key: { tenantId: row.tenant_id, ruleId: row.rule_id, entityId: row.entity_id },
                    attempt: row.attempts + 1,
                    actions,
                    nextAttemptAt: next
                });
            }
        }

        return claims;
    });

// Event ids taken before `before` are forgotten: a transition that old is past any replay.
export const pruneAlertEvents = async (ctx: StoreContext, before: Date): Promise<number> => {
    const gone: unknown[] = await ctx.knex('alert_events').where('received_at', '<', before).delete().returning('event_id');
    return gone.length;
};
