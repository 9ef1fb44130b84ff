// The cluster's guard state (contract §9) in two tables: region_holds and
// region_budgets (migrations/013_cluster_guards.ts).
//
// A create's admission is one UPDATE of the region's bucket row: the refill,
// the lapse of dead slots, the check and the take happen under that row's
// lock in one statement, so instances that ask at once are served one after
// the other and no round trip is made while the lock is held. Its arithmetic
// is admitCreate's (adapters/guard/budget.ts), written in SQL; the tests hold
// the two to the same answers.
import type { CreateBudgetLimits } from '../guard/budget';
import type { ClusterTake, CreateSlot, HoldCause, RegionHold, Upstream } from '../guard/cluster-store';
import type { StoreContext } from './context';

interface HoldRow {
    region: string;
    cause: HoldCause;
    held_until: Date;
    set_by: string;
}

export const holdsOf = async (ctx: StoreContext, upstream: Upstream, nowMs: number): Promise<readonly RegionHold[]> => {
    const rows: HoldRow[] = await ctx.knex('region_holds').where({ cloud: upstream.cloud, service: upstream.service }).where('held_until', '>', new Date(nowMs))
        .select('region', 'cause', 'held_until', 'set_by');
    return rows.map((r) => ({ region: r.region, cause: r.cause, untilMs: r.held_until.getTime(), setBy: r.set_by }));
};

export const hold = async (ctx: StoreContext, upstream: Upstream, held: RegionHold): Promise<void> => {
    await ctx.knex.raw(`
        INSERT INTO region_holds AS h (cloud, service, region, cause, held_until, set_by) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (cloud, service, region, cause) DO UPDATE SET held_until = EXCLUDED.held_until, set_by = EXCLUDED.set_by
        WHERE h.held_until <= EXCLUDED.held_until`, [upstream.cloud, upstream.service, held.region, held.cause, new Date(held.untilMs), held.setBy]);
};

export const endHold = async (ctx: StoreContext, upstream: Upstream, region: string, cause: HoldCause, setBy: string): Promise<void> => {
    await ctx.knex('region_holds').where({ cloud: upstream.cloud, service: upstream.service, region, cause, set_by: setBy }).delete();
};

// Mirrors admitCreate: a clock behind the row's refills nothing; tokens stop
// at burst; "at least one" allows for the rounding of fractional refills; the
// in-flight cap is looked at first. Slots past their lapse are dropped.
const TAKE = `
    UPDATE region_budgets b SET (tokens, refilled_at, in_flight) = (
        SELECT CASE WHEN x.take THEN GREATEST(0, x.tokens - 1) ELSE x.tokens END,
               GREATEST(b.refilled_at, CAST(:now AS timestamptz)),
               CASE WHEN x.take THEN x.live || jsonb_build_object(CAST(:slot AS text), CAST(:lapsesAt AS bigint)) ELSE x.live END
        FROM (
            SELECT r.tokens, r.live, r.n < :maxInFlight AND r.tokens >= 1 - 1e-9 AS take
            FROM (
                SELECT LEAST(CAST(:burst AS double precision),
                             b.tokens + GREATEST(0, extract(epoch FROM CAST(:now AS timestamptz) - b.refilled_at) * 1000) * CAST(:rate AS double precision) / 1000) AS tokens,
                       coalesce(jsonb_object_agg(s.key, s.value), '{}'::jsonb) AS live,
                       count(s.key) AS n
                FROM jsonb_each(b.in_flight) s
                WHERE CAST(s.value AS bigint) > CAST(:nowMs AS bigint)
            ) r
        ) x)
    WHERE b.cloud = :cloud AND b.service = :service AND b.region = :region
    RETURNING b.tokens, b.refilled_at, (b.in_flight ->> CAST(:slot AS text)) IS NOT NULL AS admitted,
        (SELECT count(*) FROM jsonb_object_keys(b.in_flight)) AS in_flight`;

interface TakeRow {
    tokens: number;
    refilled_at: Date;
    admitted: boolean;
    in_flight: number | string;              // count(*): a string from pg
}

export const takeCreate = async (ctx: StoreContext, upstream: Upstream, region: string, limits: CreateBudgetLimits, slot: CreateSlot, nowMs: number): Promise<ClusterTake> => {
    const { cloud, service } = upstream;
    const bindings = {
        cloud, service, region, now: new Date(nowMs), nowMs, slot: slot.id, lapsesAt: slot.lapsesAtMs,
        burst: limits.burst, rate: limits.createsPerS, maxInFlight: limits.maxInFlight
    };
    for (; ;) {
        const row = (await ctx.knex.raw<{ rows: TakeRow[] }>(TAKE, bindings)).rows[0];
        if (row !== undefined) {
            return { admitted: row.admitted, state: { tokens: Number(row.tokens), atMs: row.refilled_at.getTime(), inFlight: Number(row.in_flight) } };
        }

        // The region's first create anywhere: a full bucket, as freshBudget; then take again.
        await ctx.knex('region_budgets').insert({ cloud, service, region, tokens: limits.burst, refilled_at: new Date(nowMs) }).onConflict(['cloud', 'service', 'region']).ignore();
    }
};

export const finishCreate = async (ctx: StoreContext, upstream: Upstream, region: string, slotId: string): Promise<void> => {
    await ctx.knex.raw('UPDATE region_budgets SET in_flight = in_flight - CAST(? AS text) WHERE cloud = ? AND service = ? AND region = ?',
        [slotId, upstream.cloud, upstream.service, region]);
};
