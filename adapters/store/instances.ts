// The instances table (migrations/011_instances.ts) behind core/ports/instances.ts.
import { InstanceId } from '../../core/model/ids';
import type { Instance, InstanceIdentity } from '../../core/model/instance';
import type { StoreContext } from './context';

interface InstanceRow {
    id: string;
    host: string;
    pid: number;
    started_at: Date;
    last_seen_at: Date;
    leases: string | number;          // count(*): a string from pg, a number from PGlite
}

// One statement: the row is written whether or not it is there (first beat, or pruned meanwhile).
export const beat = async (ctx: StoreContext, instance: InstanceIdentity, startedAt: Date, at: Date): Promise<void> => {
    await ctx.knex('instances')
        .insert({ id: instance.id, host: instance.host, pid: instance.pid, started_at: startedAt, last_seen_at: at })
        .onConflict('id').merge(['last_seen_at']);
};

export const leave = async (ctx: StoreContext, id: InstanceId): Promise<void> => {
    await ctx.knex('instances').where({ id }).delete();
};

// A group lease is held while its row lasts (a run deletes it when done) and
// has not expired; its holder is `${instance id}/${run}` (core/engine/converger-loop.ts).
export const listLive = async (ctx: StoreContext, seenSince: Date, now: Date): Promise<readonly Instance[]> => {
    const rows: InstanceRow[] = await ctx.knex.raw(`
        SELECT i.id, i.host, i.pid, i.started_at, i.last_seen_at,
            (SELECT count(*) FROM group_leases l WHERE split_part(l.holder, '/', 1) = i.id AND l.expires_at > ?) AS leases
        FROM instances i WHERE i.last_seen_at >= ?
        ORDER BY i.started_at, i.id`, [now, seenSince]).then((r: { rows: InstanceRow[] }) => r.rows);
    return rows.map((r) => ({
        id: InstanceId(r.id), host: r.host, pid: r.pid, startedAt: new Date(r.started_at), lastSeenAt: new Date(r.last_seen_at), leases: Number(r.leases)
    }));
};

// RETURNING, not the affected count: knex-pglite answers a DELETE with its raw result object.
export const prune = async (ctx: StoreContext, seenBefore: Date): Promise<number> => {
    const gone: unknown[] = await ctx.knex('instances').where('last_seen_at', '<', seenBefore).delete().returning('id');
    return gone.length;
};
