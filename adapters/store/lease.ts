// Group leases (design idea 6): one converger per group across every plugin
// instance. The lease row is read FOR UPDATE SKIP LOCKED, so a second claimer
// never waits behind the first: it learns at once that the group is taken.
import { GroupId } from '../../core/model/ids';
import type { StoreContext } from './context';

// One statement, so one round trip a claim (a converger claims again on every
// pass): the row locked SKIP LOCKED and renewed when it is ours or expired,
// or created for a group that still exists when there is none. A row another
// claimer has locked is skipped, and being visible it is not inserted either:
// the answer is false at once.
const CLAIM = `WITH held AS (
        SELECT holder, expires_at FROM group_leases WHERE group_id = ? FOR UPDATE SKIP LOCKED
    ), renewed AS (
        UPDATE group_leases AS l SET holder = ?, expires_at = ? FROM held
        WHERE l.group_id = ? AND (held.holder = ? OR held.expires_at <= ?) RETURNING l.group_id
    ), created AS (
        INSERT INTO group_leases (group_id, holder, expires_at)
        SELECT id, ?, ? FROM groups WHERE id = ? AND NOT EXISTS (SELECT 1 FROM group_leases WHERE group_id = ?)
        ON CONFLICT (group_id) DO NOTHING RETURNING group_id
    )
    SELECT group_id FROM renewed UNION ALL SELECT group_id FROM created`;

export const claimLease = async (ctx: StoreContext, groupId: GroupId, holder: string, now: Date, ttlMs: number): Promise<boolean> => {
    const expiresAt = new Date(now.getTime() + ttlMs);
    const claimed: { rows: unknown[] } = await ctx.knex.raw(CLAIM, [groupId, holder, expiresAt, groupId, holder, now, holder, expiresAt, groupId, groupId]);
    return claimed.rows.length > 0;
};

// Only the holder lets go; a lease taken over after expiry is not ours to release.
export const releaseLease = async (ctx: StoreContext, groupId: GroupId, holder: string): Promise<void> => {
    await ctx.knex('group_leases').where({ group_id: groupId, holder }).delete();
};

// A run deletes its lease as it ends: one past its expiry is a run that died.
export const lapsedLeases = async (ctx: StoreContext, now: Date, limit: number): Promise<readonly GroupId[]> => {
    const ids: string[] = await ctx.knex('group_leases').where('expires_at', '<', now).orderBy('expires_at').limit(limit).pluck('group_id');
    return ids.map(GroupId);
};
