// Overrides and kill-switches: what a trigger is checked against.
import type { Knex } from 'knex';
import { clamp, effectiveMax } from '../../core/model/bounds';
import { badRequest, DomainError, notFound } from '../../core/model/errors';
import { GroupId, type ActivityId, type TenantId } from '../../core/model/ids';
import { parseScope, scopeName, stoppingSwitch, type KillSwitch, type KillSwitchScope } from '../../core/model/kill-switch';
import type { Override } from '../../core/model/override';
import type { ActivitySource } from '../../core/model/activity';
import type { StoreContext } from './context';
import { insertActivity, lockGroup, readGroup } from './groups';

interface OverrideRow {
    desired: number | null;
    min_entities: number | null;
    max_entities: number | null;
    reason: string;
    who: string;
    expires_at: Date;
}

interface KillSwitchRow {
    scope: string;
    mode: KillSwitch['mode'];
    reason: string;
    who: string;
    expires_at: Date | null;
}

const toOverride = (row: OverrideRow): Override => ({
    desiredCapacity: row.desired, minEntities: row.min_entities, maxEntities: row.max_entities,
    reason: row.reason, who: row.who, expiresAt: new Date(row.expires_at)
});

export const readOverride = async (db: Knex | Knex.Transaction, groupId: GroupId): Promise<Override | null> => {
    const row: OverrideRow | undefined = await db('overrides').where({ group_id: groupId }).first();
    return row ? toOverride(row) : null;
};

export const readKillSwitches = async (db: Knex | Knex.Transaction): Promise<readonly KillSwitch[]> => {
    const rows: KillSwitchRow[] = await db('kill_switches').orderBy('scope');
    return rows.flatMap((row) => {
        const scope = parseScope(row.scope);
        return scope ? [{ scope, mode: row.mode, reason: row.reason, who: row.who, expiresAt: row.expires_at ? new Date(row.expires_at) : null }] : [];
    });
};

export const getOverride = async (ctx: StoreContext, tenantId: TenantId, groupId: GroupId): Promise<Override | null> => {
    await readGroup(ctx.knex, tenantId, groupId);
    return readOverride(ctx.knex, groupId);
};

// The bounds an override leaves in force must hold together, and a pinned
// desired must lie within them: otherwise the pin could never be reached and
// every trigger would be refused `override` until it expired.
const checkOverrideBounds = (input: Override, bounds: { minEntities: number; maxEntities: number | null }): void => {
    if (bounds.minEntities > effectiveMax(bounds)) {
        const field = input.minEntities !== null ? 'minEntities' : 'maxEntities';
        throw badRequest(field, `"${field}" leaves minEntities ${bounds.minEntities} above maxEntities ${effectiveMax(bounds)} (the group's own bound fills the other)`);
    }

    if (input.desiredCapacity !== null && clamp(input.desiredCapacity, bounds) !== input.desiredCapacity) {
        throw badRequest('desiredCapacity', `"desiredCapacity" must lie within ${bounds.minEntities}..${effectiveMax(bounds)} (the override's bounds, else the group's)`);
    }
};

// An override moves desired at once to what it pins (a decision with its own
// activity row). A kill-switch stops that move as it stops a trigger's: an
// override is no way around it, whoever sets it. One that moves nothing passes.
export const setOverride = (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, input: Override, source: ActivitySource, region: string | null = null): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        await lockGroup(trx, tenantId, groupId);
        const group = await readGroup(trx, tenantId, groupId);
        const now = ctx.clock.now();
        const before = group.state.desiredCapacity;
        const bounds = { minEntities: input.minEntities ?? group.config.minEntities, maxEntities: input.maxEntities ?? group.config.maxEntities };
        checkOverrideBounds(input, bounds);
        const after = clamp(input.desiredCapacity ?? before, bounds);
        const stop = after === before ? null : stoppingSwitch(await readKillSwitches(trx), region, before, after, now);
        if (stop) {
            throw new DomainError('forbidden', 'CannotSetOverrideError',
                `Kill-switch ${scopeName(stop.scope)} (${stop.mode}) set by ${stop.who} stops desired ${before} → ${after}: ${stop.reason}`, { reason: 'kill_switch' });
        }

        await trx('overrides').insert({
            group_id: groupId, desired: input.desiredCapacity, min_entities: input.minEntities, max_entities: input.maxEntities,
            reason: input.reason, who: input.who, expires_at: input.expiresAt, created_at: now
        }).onConflict('group_id').merge();
        // The override changes what decisions see: a new version either way.
        await trx('groups').where({ id: GroupId(groupId) }).update({
            ...(after !== before ? { desired: after, last_scaled_at: now } : {}), updated_at: now, version: trx.raw('version + 1')
        });

        await insertActivity(trx, groupId, now, {
            source, kind: 'override', outcome: 'accepted', reason: 'override',
            message: `Override until ${input.expiresAt.toISOString()}: ${input.reason}${after !== before ? `; desired ${before} → ${after}` : ''}`,
            desiredBefore: before, desiredAfter: after, who: input.who
        });
    });

// Clearing an override brings desired back within the group's own bounds.
export const clearOverride = (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, who: string, source: ActivitySource): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        await lockGroup(trx, tenantId, groupId);
        const group = await readGroup(trx, tenantId, groupId);
        const removed: unknown[] = await trx('overrides').where({ group_id: groupId }).delete().returning('group_id');
        if (removed.length === 0) {
            return;
        }

        const now = ctx.clock.now();
        const before = group.state.desiredCapacity;
        const after = clamp(before, group.config);
        await trx('groups').where({ id: groupId }).update({ desired: after, updated_at: now, version: trx.raw('version + 1') });

        await insertActivity(trx, groupId, now, {
            source, kind: 'override', outcome: 'done', reason: 'override',
            message: `Override removed${after !== before ? `; desired ${before} → ${after}` : ''}`,
            desiredBefore: before, desiredAfter: after, who
        });
    });

export const setKillSwitch = async (ctx: StoreContext, killSwitch: KillSwitch): Promise<void> => {
    await ctx.knex('kill_switches').insert({
        scope: scopeName(killSwitch.scope), mode: killSwitch.mode, reason: killSwitch.reason, who: killSwitch.who,
        expires_at: killSwitch.expiresAt, created_at: ctx.clock.now()
    }).onConflict('scope').merge();
};

export const clearKillSwitch = async (ctx: StoreContext, scope: KillSwitchScope): Promise<boolean> => {
    const removed: unknown[] = await ctx.knex('kill_switches').where({ scope: scopeName(scope) }).delete().returning('scope');
    return removed.length > 0;
};

// A converge asked for by hand (contract §4): the request is recorded (the
// plugin then kicks the converger), or refused `paused` with its activity row.
export const requestConverge = (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, who: string): Promise<{ activityId: ActivityId; paused: boolean }> =>
    ctx.knex.transaction(async (trx) => {
        const group: { desired: number; paused: boolean } | undefined = await trx('groups').where({ tenant_id: tenantId, id: groupId }).forUpdate().first('desired', 'paused');
        if (!group) {
            throw notFound('group', groupId);
        }

        const activityId = await insertActivity(trx, groupId, ctx.clock.now(), {
            source: 'manual', kind: 'converge', outcome: group.paused ? 'refused' : 'accepted', reason: group.paused ? 'paused' : 'converge_requested',
            message: group.paused ? 'Converge refused: the group is paused' : 'Converge requested',
            desiredBefore: group.desired, desiredAfter: group.desired, who
        });
        return { activityId, paused: group.paused };
    });
