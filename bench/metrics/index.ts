// The cost of a scrape (contract §10): GET /autoscale/metrics through the
// whole plugin with 10,000 groups and 100,000 servers in the ledger, each
// scrape on a clock moved past the gauges' cache so that every one reads the
// database; floor: the gauges' statement alone, run bare on the same
// database. Target: a median scrape of at most 50 ms.
import Hapi from '@hapi/hapi';
import type { Knex } from 'knex';
import { TALLY_TTL_MS } from '../../adapters/metrics/prometheus';
import { migrateLatest, openDatabase, type Database } from '../../adapters/store/database';
import { plugin } from '../../plugin';
import { median } from '../shared/stats';
import { postgresDatabase } from '../shared/databases';
import type { BackendKind, BenchSettings } from '../shared/settings';

const GROUPS = Number(process.env.BENCH_METRICS_GROUPS ?? 10_000);
const SERVERS_PER_GROUP = Number(process.env.BENCH_METRICS_SERVERS_PER_GROUP ?? 10);
const SCRAPES = Number(process.env.BENCH_METRICS_SCRAPES ?? 30);
const TARGET_MS = 50;

// One group as the API writes it, copied in SQL: every column but the id as the first row has it.
const seed = async (knex: Knex, server: Hapi.Server): Promise<void> => {
    const created = await server.inject({
        method: 'POST', url: '/autoscale/v1.0/bench/groups', headers: { 'x-auth-token': 'bench' },
        payload: {
            groupConfiguration: { name: 'scrape', cooldown: 0, minEntities: 0, maxEntities: 100 },
            launchConfiguration: { type: 'launch_server', args: { server: { name: 'web', flavorRef: '1', imageRef: 'image', networks: 'none' } } }
        }
    });
    if (created.statusCode !== 201) {
        throw new Error(`seed group: ${created.statusCode} ${created.payload}`);
    }

    const columns: string[] = (await knex('information_schema.columns').where({ table_schema: 'public', table_name: 'groups' }).pluck('column_name'))
        .filter((c: string) => c !== 'id');
    const list = columns.map((c) => `"${c}"`).join(', ');
    await knex.raw(`INSERT INTO groups (id, ${list}) SELECT gen_random_uuid()::text, ${list} FROM groups g, generate_series(2, ?) AS n WHERE g.tenant_id = 'bench'`, [GROUPS]);
    const states = ['active', 'active', 'active', 'active', 'active', 'active', 'building', 'joining', 'deleting', 'intent'];
    await knex.raw(`INSERT INTO servers (intent_id, group_id, server_id, state, created_at, updated_at)
        SELECT gen_random_uuid()::text, g.id, gen_random_uuid()::text, (?::text[])[1 + n % ?], now(), now()
        FROM groups g, generate_series(1, ?) AS n WHERE g.tenant_id = 'bench'`, [states, states.length, SERVERS_PER_GROUP]);
    await knex.raw('ANALYZE groups');
    await knex.raw('ANALYZE servers');
};

const timeMs = async (work: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await work();
    return performance.now() - started;
};

const row = async (kind: BackendKind, adminUrl: string): Promise<string> => {
    const pg = kind === 'postgres' ? await postgresDatabase(adminUrl) : null;
    const db: Database = pg !== null && pg.host.kind === 'postgres' ? openDatabase(pg.host.url) : openDatabase({ embedded: {} });
    await migrateLatest(db.knex);
    let offset = 0;
    const server = Hapi.server();
    try {
        await server.register({
            plugin,
            options: {
                database: { knex: db.knex }, metrics: { auth: false }, schedules: { intervalMs: 0 }, alerts: { intervalMs: 0, pruneIntervalMs: 0 },
                clock: { now: () => new Date(Date.now() + offset) },
                openstack: { tokenValidator: { validate: () => Promise.resolve({ userId: 'b', userName: 'bench', projectId: 'bench', projectName: 'bench', roles: ['member'], expiresAt: new Date(Date.now() + 3_600_000) }) } }
            }
        }, { routes: { prefix: '/autoscale' } });
        await server.initialize();
        await seed(db.knex, server);
        const counted = await db.knex('servers').count({ n: '*' }).first();

        const scrapes: number[] = [];
        const floors: number[] = [];
        let size = 0;
        for (let i = 0; i < SCRAPES + 3; i++) {
            offset += TALLY_TTL_MS + 1;        // past the cache: this scrape reads the database
            let payload = '';
            const scraped = await timeMs(async () => {
                const res = await server.inject('/autoscale/metrics');
                payload = res.payload;
            });
            const floor = await timeMs(() => db.knex.raw(`SELECT 'groups' AS kind, status AS key, count(*) AS n FROM groups GROUP BY status
                UNION ALL SELECT 'servers', state, count(*) FROM servers WHERE state <> 'gone' GROUP BY state`));
            if (i >= 3) {                          // the first few warm the plans and the JIT
                scrapes.push(scraped);
                floors.push(floor);
                size = payload.length;
            }
        }

        const scrape = median(scrapes);
        const floor = median(floors);
        return `  ${kind.padEnd(8)} ${GROUPS} groups, ${String(counted?.n ?? '?')} servers: scrape median ${scrape.toFixed(1)} ms (max ${Math.max(...scrapes).toFixed(1)}), ` +
            `floor (the gauges' statement bare) ${floor.toFixed(1)} ms, ${(scrape / Math.max(floor, 0.001)).toFixed(2)}x the floor; ${size} bytes; ` +
            `target <= ${TARGET_MS} ms${scrape <= TARGET_MS ? '' : ' !!'}`;
    }
    finally {
        await server.stop();
        await db.close();
        await pg?.drop();
    }
};

export const metricsBench = async (settings: BenchSettings): Promise<string[]> => {
    const started = Date.now();
    const lines = [`metrics scrape: GET /autoscale/metrics through the plugin, ${SCRAPES} scrapes, each past the gauges' ${TALLY_TTL_MS} ms cache (so each reads the database)`];
    for (const kind of settings.backends) {
        lines.push(await row(kind, settings.postgresAdminUrl));
    }

    return [...lines, `  (metrics: ${((Date.now() - started) / 1000).toFixed(0)}s with setup)`];
};
