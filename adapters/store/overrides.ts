// Overrides and kill-switches as stored: what a decision is checked against.
import type { Knex } from 'knex';
import type { GroupId, TenantId } from '../../core/model/ids';
import { parseScope, scopeName, type KillSwitch, type KillSwitchScope } from '../../core/model/kill-switch';
import type { Override } from '../../core/model/override';
import type { StoreContext } from './context';
import { readGroup } from './group-rows';

interface OverrideRow {
    desired: number | null;
    min_entities: number | null;
    max_entities: number | null;
    reason: string;
    who: string;
    expires_at: Date;
    by_admin: boolean;
}

export interface KillSwitchRow {
    scope: string;
    mode: KillSwitch['mode'];
    reason: string;
    who: string;
    expires_at: Date | number | null;
}

const toOverride = (row: OverrideRow): Override => ({
    desiredCapacity: row.desired, minEntities: row.min_entities, maxEntities: row.max_entities,
    reason: row.reason, who: row.who, expiresAt: new Date(row.expires_at), byAdmin: row.by_admin
});

export const readOverride = async (db: Knex | Knex.Transaction, groupId: GroupId): Promise<Override | null> => {
    const row: OverrideRow | undefined = await db('overrides').where({ group_id: groupId }).first();
    return row ? toOverride(row) : null;
};

// A stored switch as the engine reads it; a scope it cannot read is none. `expires_at` may come as epoch milliseconds (from JSON).
export const killSwitchesOf = (rows: readonly KillSwitchRow[]): KillSwitch[] => rows.flatMap((row) => {
    const scope = parseScope(row.scope);
    return scope ? [{ scope, mode: row.mode, reason: row.reason, who: row.who, expiresAt: row.expires_at === null ? null : new Date(row.expires_at) }] : [];
});

export const readKillSwitches = async (db: Knex | Knex.Transaction): Promise<readonly KillSwitch[]> =>
    killSwitchesOf(await db('kill_switches').orderBy('scope'));

export const getOverride = async (ctx: StoreContext, tenantId: TenantId, groupId: GroupId): Promise<Override | null> => {
    await readGroup(ctx.knex, tenantId, groupId);
    return readOverride(ctx.knex, groupId);
};

export const setKillSwitch = async (ctx: StoreContext, killSwitch: KillSwitch, now: Date): Promise<void> => {
    await ctx.knex('kill_switches').insert({
        scope: scopeName(killSwitch.scope), mode: killSwitch.mode, reason: killSwitch.reason, who: killSwitch.who,
        expires_at: killSwitch.expiresAt, created_at: now
    }).onConflict('scope').merge();
};

export const clearKillSwitch = async (ctx: StoreContext, scope: KillSwitchScope): Promise<boolean> => {
    const removed: unknown[] = await ctx.knex('kill_switches').where({ scope: scopeName(scope) }).delete().returning('scope');
    return removed.length > 0;
};
