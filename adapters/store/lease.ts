// Group leases (design idea 6): one converger per group across every plugin
// instance. The lease row is read FOR UPDATE SKIP LOCKED, so a second claimer
// never waits behind the first: it learns at once that the group is taken.
import { GroupId } from '../../core/model/ids';
import type { StoreContext } from './context';

interface LeaseRow {
    holder: string;
    expires_at: Date;
}

export const claimLease = (ctx: StoreContext, groupId: GroupId, holder: string, now: Date, ttlMs: number): Promise<boolean> =>
    ctx.knex.transaction(async (trx) => {
        const expiresAt = new Date(now.getTime() + ttlMs);
        // First claim ever: the row is created for a group that still exists.
        const inserted: unknown[] = await trx.raw(`INSERT INTO group_leases (group_id, holder, expires_at)
            SELECT id, ?, ? FROM groups WHERE id = ? ON CONFLICT (group_id) DO NOTHING RETURNING group_id`, [holder, expiresAt, groupId])
            .then((r: { rows: unknown[] }) => r.rows);
        if (inserted.length > 0) {
            return true;
        }

        const row: LeaseRow | undefined = await trx('group_leases').where({ group_id: groupId }).forUpdate().skipLocked().first('holder', 'expires_at');
        if (!row || (row.holder !== holder && new Date(row.expires_at).getTime() > now.getTime())) {
            return false; // being claimed right now, held by another, or the group is gone
        }

        await trx('group_leases').where({ group_id: groupId }).update({ holder, expires_at: expiresAt });
        return true;
    });

// Only the holder lets go; a lease taken over after expiry is not ours to release.
export const releaseLease = async (ctx: StoreContext, groupId: GroupId, holder: string): Promise<void> => {
    await ctx.knex('group_leases').where({ group_id: groupId, holder }).delete();
};

// A run deletes its lease as it ends: one past its expiry is a run that died.
export const lapsedLeases = async (ctx: StoreContext, now: Date, limit: number): Promise<readonly GroupId[]> => {
    const ids: string[] = await ctx.knex('group_leases').where('expires_at', '<', now).orderBy('expires_at').limit(limit).pluck('group_id');
    return ids.map(GroupId);
};
