// Schedule firing lateness (contract §8, §9): 1,000 cron policies (`* * * * *`),
// one per group (a group's decisions are one after another, so 1,000 due at
// once in 10 groups would measure that queue instead), on three plugin
// instances over one database, on the real clock: how long
// after its due minute each firing's decision was written (the activity row's
// time), p50, p99 and the latest, and that each due time fired exactly once.
// Floor, same run: the least a firing can take, a tick (each instance looks
// once a second) plus one bare INSERT of the same 1,000 activity rows.
import Hapi from '@hapi/hapi';
import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, type Database } from '../../adapters/store/database';
import { plugin } from '../../plugin';
import { databaseFor } from '../shared/databases';
import type { BenchSettings } from '../shared/settings';

const INSTANCES = 3;
const GROUPS = 1000;
const PER_GROUP = 1;
const TENANTS = 4;
const TICK_MS = 1000;
const MINUTE = 60_000;

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

// Written straight into the database (the bench measures firing, not the API): a
// group per policy, each policy's schedule starting now.
const seed = async (knex: Knex, tenants: readonly string[]): Promise<string[]> => {
    const now = new Date();
    await knex('tenants').insert(tenants.map((id) => ({ id })));
    const groups = Array.from({ length: GROUPS }, (_x, g) => ({
        id: randomUUID(), tenant_id: tenants[g % tenants.length] ?? '', name: `s${g}`, cooldown: 0, min_entities: 0, max_entities: 10,
        metadata: '{}', launch: '{}', desired: 0, created_at: now, updated_at: now
    }));
    for (let i = 0; i < groups.length; i += 200) {
        const chunk = groups.slice(i, i + 200);
        await knex('groups').insert(chunk);
        await knex('policies').insert(chunk.flatMap((g) => Array.from({ length: PER_GROUP }, (_x, p) => ({
            id: randomUUID(), group_id: g.id, name: `p${p}`, cooldown: 0, adjustment: 'desiredCapacity', amount: 1, type: 'schedule',
            schedule_cron: '* * * * *', schedule_from: now, created_at: now
        }))));
    }

    return groups.map((g) => g.id);
};

// One bare INSERT of 1,000 rows shaped like the firings' activity rows (rolled back).
const floorInsertMs = async (knex: Knex, groupId: string): Promise<number> => {
    const rows = Array.from({ length: GROUPS * PER_GROUP }, (_x, i) => ({
        group_id: groupId, at: new Date(), source: 'schedule', kind: 'execute', outcome: 'refused', reason: 'no_change', message: 'floor',
        desired_before: 1, desired_after: 1, who: 'schedule', policy_id: null, event_id: `floor:${i}`, decision_id: null
    }));
    const trx = await knex.transaction();
    const started = performance.now();
    await trx('activity').insert(rows);
    const ms = performance.now() - started;
    await trx.rollback();
    return ms;
};

// A token is its tenant's name.
const instance = async (database: Database): Promise<Hapi.Server> => {
    const server = Hapi.server();
    await server.register({
        plugin,
        options: {
            database: { knex: database.knex },
            openstack: {
                tokenValidator: {
                    validate: (token: string) => Promise.resolve({ userId: 'b', userName: 'b', projectId: token, projectName: token, roles: ['member'], expiresAt: new Date(Date.now() + 3_600_000) })
                }
            },
            schedules: { intervalMs: TICK_MS }, alerts: { intervalMs: 0, pruneIntervalMs: 0 }, workflowRunner: { intervalMs: 0 }, webhooks: { intervalMs: 0 }
        }
    }, { routes: { prefix: '/autoscale' } });
    return server;
};

export const schedulesBench = async (settings: BenchSettings): Promise<string[]> => {
    const lines = [`schedule firing lateness: ${GROUPS * PER_GROUP} cron policies (* * * * *) on ${INSTANCES} instances over one database, real clock, ` +
        `one due minute; floor: a tick (${TICK_MS} ms) + one bare INSERT of the same ${GROUPS * PER_GROUP} activity rows`];
    for (const kind of settings.backends) {
        const database = await databaseFor(kind, settings.postgresAdminUrl, 'schedules bench');
        if (!database) {
            continue;
        }

        // PGlite is one process's: the instances share its one connection; PostgreSQL gives each its own pool.
        const shared = database.host.kind === 'pglite' ? openDatabase({ embedded: {} }) : null;
        const dbs = Array.from({ length: INSTANCES }, () => shared ?? openDatabase(database.host.kind === 'postgres' ? database.host.url : { embedded: {} }));
        const tenants = Array.from({ length: TENANTS }, () => `bench-${randomUUID().slice(0, 8)}`);
        const servers: Hapi.Server[] = [];
        try {
            for (const db of dbs) {
                servers.push(await instance(db));
            }

            // Migrations run once, by the first to start; the others find them done.
            for (const server of servers) {
                await server.initialize();
            }

            // Written at least 20 s before a minute, so that minute is every policy's first due time.
            if (Date.now() % MINUTE > MINUTE - 20_000) {
                await sleep(MINUTE - (Date.now() % MINUTE) + 100);
            }

            const groups = await seed(dbs[0]!.knex, tenants);
            const due = new Date(Math.ceil(Date.now() / MINUTE) * MINUTE);
            await sleep(due.getTime() - Date.now());
            const knex = dbs[0]!.knex;
            const fired = (): Promise<{ event_id: string; at: Date }[]> => knex('activity').whereIn('group_id', groups).andWhere('source', 'schedule')
                .andWhere('event_id', 'like', `%:${due.toISOString()}`).select('event_id', 'at');
            // Until every policy fired, or 30 s: a firing later than that counts as missing.
            let rows = await fired();
            while (rows.length < GROUPS * PER_GROUP && Date.now() - due.getTime() < 30_000) {
                await sleep(500);
                rows = await fired();
            }

            const distinct = new Set(rows.map((r) => r.event_id)).size;
            const late = rows.map((r) => new Date(r.at).getTime() - due.getTime()).sort((a, b) => a - b);
            const floor = TICK_MS + await floorInsertMs(knex, groups[0]!);
            const [p50, p99, max] = [percentile(late, 0.5), percentile(late, 0.99), late[late.length - 1] ?? NaN];
            lines.push(`  ${kind.padEnd(8)} fired ${rows.length} (${distinct} distinct) of ${GROUPS * PER_GROUP}; lateness p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, ` +
                `latest ${max.toFixed(0)} ms; floor ${floor.toFixed(0)} ms: p99 ${(p99 / floor).toFixed(2)}x the floor`);
        }
        finally {
            await Promise.all(servers.map((s) => s.stop()));
            await Promise.all([...new Set(dbs)].map((db) => db.close()));
            await database.drop();
        }
    }

    return lines;
};
