// Group leases (design idea 6): one converger per group across every plugin
// instance. The lease row is read FOR UPDATE SKIP LOCKED, so a second claimer
// never waits behind the first: it learns at once that the group is taken.
import { GroupId, LeaseGeneration, type InstanceId } from '../../core/model/ids';
import type { StoreContext } from './context';

// One statement, so one round trip a claim (a converger claims again on every
// pass): the row locked SKIP LOCKED and renewed when it is ours or expired,
// or created for a group that still exists when there is none. A row another
// claimer has locked is skipped, and being visible it is not inserted either:
// the answer is null at once. The generation stays while the same holder
// renews; a lease changing hands (taken over, or made anew) draws a new one.
const CLAIM = `WITH held AS (
        SELECT holder, expires_at FROM group_leases WHERE group_id = ? FOR UPDATE SKIP LOCKED
    ), renewed AS (
        UPDATE group_leases AS l SET holder = ?, expires_at = ?,
            generation = CASE WHEN held.holder = ? THEN l.generation ELSE nextval('group_lease_generation') END
        FROM held
        WHERE l.group_id = ? AND (held.holder = ? OR held.expires_at <= ?) RETURNING l.generation
    ), created AS (
        INSERT INTO group_leases (group_id, holder, expires_at)
        SELECT id, ?, ? FROM groups WHERE id = ? AND NOT EXISTS (SELECT 1 FROM group_leases WHERE group_id = ?)
        ON CONFLICT (group_id) DO NOTHING RETURNING generation
    )
    SELECT generation FROM renewed UNION ALL SELECT generation FROM created`;

export const claimLease = async (ctx: StoreContext, groupId: GroupId, holder: string, now: Date, ttlMs: number): Promise<LeaseGeneration | null> => {
    const expiresAt = new Date(now.getTime() + ttlMs);
    const claimed: { rows: { generation: string | number }[] } = await ctx.knex.raw(CLAIM, [groupId, holder, expiresAt, holder, groupId, holder, now, holder, expiresAt, groupId, groupId]);
    const row = claimed.rows[0];
    return row === undefined ? null : LeaseGeneration(Number(row.generation));
};

// The lease as a step must find it, in the statement that records the step:
// still of the generation the run planned under, locked FOR SHARE so that it
// cannot change hands until the step is committed (a claimer skips it).
export const LEASE_HELD = 'SELECT 1 AS held FROM group_leases WHERE group_id = ? AND generation = ? FOR SHARE';

// Only the holder lets go; a lease taken over after expiry is not ours to release.
export const releaseLease = async (ctx: StoreContext, groupId: GroupId, holder: string): Promise<void> => {
    await ctx.knex('group_leases').where({ group_id: groupId, holder }).delete();
};

// A run deletes its lease as it ends: one past its expiry is a run that died.
export const lapsedLeases = async (ctx: StoreContext, now: Date, limit: number): Promise<readonly GroupId[]> => {
    const ids: string[] = await ctx.knex('group_leases').where('expires_at', '<', now).orderBy('expires_at').limit(limit).pluck('group_id');
    return ids.map(GroupId);
};

// The instance that will look at a waiting group again (migration 016), or none.
export const watchGroup = async (ctx: StoreContext, groupId: GroupId, watcher: InstanceId | null): Promise<void> => {
    await ctx.knex('groups').where({ id: groupId }).update({ watcher });
};

// Waiting groups whose watcher is no live instance (not seen since
// `liveSince`) become `self`'s, in one statement: of instances scanning at
// once, one takes each (a row another holds locked is left for the next scan).
export const adoptOrphanedWatches = async (ctx: StoreContext, self: InstanceId, liveSince: Date, limit: number): Promise<readonly GroupId[]> => {
    const adopted: { rows: { id: string }[] } = await ctx.knex.raw(`UPDATE groups SET watcher = ? WHERE id IN (
            SELECT g.id FROM groups g
            WHERE g.watcher IS NOT NULL AND g.watcher <> ?
              AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = g.watcher AND i.last_seen_at > ?)
            ORDER BY g.id LIMIT ? FOR UPDATE SKIP LOCKED
        ) RETURNING id`, [self, self, liveSince, limit]);
    return adopted.rows.map((row) => GroupId(row.id));
};
