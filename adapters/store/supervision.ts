// Overrides and kill-switches: what a trigger is checked against.
import type { Knex } from 'knex';
import { clamp } from '../../core/bounds';
import { GroupId, type TenantId } from '../../core/ids';
import { parseScope, scopeName, type KillSwitch, type KillSwitchScope } from '../../core/kill-switch';
import type { Override } from '../../core/override';
import type { ActivitySource, OverrideInput } from '../../core/ports/store';
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

// An override moves desired at once to what it pins (a decision with its own activity row).
export const setOverride = (ctx: StoreContext, tenantId: TenantId, groupId: GroupId, input: OverrideInput, source: ActivitySource): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        await lockGroup(trx, tenantId, groupId);
        const group = await readGroup(trx, tenantId, groupId);
        const now = ctx.clock.now();
        await trx('overrides').insert({
            group_id: groupId, desired: input.desiredCapacity, min_entities: input.minEntities, max_entities: input.maxEntities,
            reason: input.reason, who: input.who, expires_at: input.expiresAt, created_at: now
        }).onConflict('group_id').merge();

        const before = group.state.desiredCapacity;
        const bounds = { minEntities: input.minEntities ?? group.config.minEntities, maxEntities: input.maxEntities ?? group.config.maxEntities };
        const after = clamp(input.desiredCapacity ?? before, bounds);
        if (after !== before) {
            await trx('groups').where({ id: GroupId(groupId) }).update({ desired: after, last_scaled_at: now, updated_at: now });
        }

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
        if (after !== before) {
            await trx('groups').where({ id: groupId }).update({ desired: after, updated_at: now });
        }

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
