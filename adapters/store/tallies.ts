// The gauges' figures (contract §10): groups by status and live servers by
// ledger state, in one statement a scrape at most (the metrics cache it).
import type { StoreContext } from './context';

export interface Tallies {
    readonly groups: Readonly<Record<string, number>>;
    readonly servers: Readonly<Record<string, number>>;
}

export const tallies = async (ctx: StoreContext): Promise<Tallies> => {
    const rows: { rows: { kind: string; key: string; n: string | number }[] } = await ctx.knex.raw(`
        SELECT 'groups' AS kind, status AS key, count(*) AS n FROM groups GROUP BY status
        UNION ALL
        SELECT 'servers', state, count(*) FROM servers WHERE state <> 'gone' GROUP BY state`);
    const of = (kind: string): Record<string, number> =>
        Object.fromEntries(rows.rows.filter((r) => r.kind === kind).map((r) => [r.key, Number(r.n)]));
    return { groups: of('groups'), servers: of('servers') };
};
