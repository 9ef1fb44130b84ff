// Overrides and kill-switches as stored: what a decision is checked against.
import type { Knex } from 'knex';
import type { GroupId, TenantId } from '../../core/model/ids';
import type { Page, PageRequest } from '../../core/model/group';
import { parseScope, scopeName, type KillSwitch, type KillSwitchEvent, type KillSwitchScope } from '../../core/model/kill-switch';
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

const historyRow = (action: KillSwitchEvent['action'], killSwitch: Omit<KillSwitch, 'scope'> & { readonly scope: string }, who: string, at: Date) => ({
    action, scope: killSwitch.scope, mode: killSwitch.mode, reason: killSwitch.reason, who, expires_at: killSwitch.expiresAt, at
});

export const setKillSwitch = (ctx: StoreContext, killSwitch: KillSwitch, now: Date): Promise<void> =>
    ctx.knex.transaction(async (trx) => {
        const scope = scopeName(killSwitch.scope);
        await trx('kill_switches').insert({
            scope, mode: killSwitch.mode, reason: killSwitch.reason, who: killSwitch.who, expires_at: killSwitch.expiresAt, created_at: now
        }).onConflict('scope').merge();
        await trx('kill_switch_history').insert(historyRow('set', { ...killSwitch, scope }, killSwitch.who, now));
    });

export const clearKillSwitch = (ctx: StoreContext, scope: KillSwitchScope, who: string, now: Date): Promise<boolean> =>
    ctx.knex.transaction(async (trx) => {
        const removed: KillSwitchRow[] = await trx('kill_switches').where({ scope: scopeName(scope) }).delete().returning(['scope', 'mode', 'reason', 'who', 'expires_at']);
        for (const row of removed) {
            const expiresAt = row.expires_at === null ? null : new Date(row.expires_at);
            await trx('kill_switch_history').insert(historyRow('cleared', { scope: row.scope, mode: row.mode, reason: row.reason, who: row.who, expiresAt }, who, now));
        }

        return removed.length > 0;
    });

interface KillSwitchHistoryRow extends KillSwitchRow {
    id: string | number;
    action: KillSwitchEvent['action'];
    at: Date;
}

// Newest first by (at, id), as the activity pages: a marker is the last row's id.
export const killSwitchHistory = async (ctx: StoreContext, page: PageRequest): Promise<Page<KillSwitchEvent>> => {
    const after = page.marker ? await ctx.knex('kill_switch_history').where({ id: page.marker }).first<{ at: Date } | undefined>('at') : undefined;
    const query = ctx.knex('kill_switch_history');
    const paged = !page.marker ? query : after === undefined ? query.where('id', '<', page.marker) : query.whereRaw('(at, id) < (?, ?)', [after.at, page.marker]);
    const rows: KillSwitchHistoryRow[] = await paged.orderBy([{ column: 'at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(page.limit + 1);
    const items = rows.slice(0, page.limit).flatMap((row) => killSwitchesOf([row]).map((killSwitch): KillSwitchEvent =>
        ({ ...killSwitch, id: String(row.id), action: row.action, at: new Date(row.at) })));
    const last = items[items.length - 1];
    return { items, next: rows.length > page.limit && last ? last.id : null };
};
