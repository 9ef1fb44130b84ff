// What both schedule benches stand on: cron policies (`* * * * *`) written
// straight into the database, one per group (a group's decisions are one
// after another, so many due at once in a few groups would measure that
// queue instead), and three plugin instances over one database, each looking
// once a second, on the real clock.
import Hapi from '@hapi/hapi';
import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, type Database } from '../../adapters/store/database';
import { plugin } from '../../plugin';
import type { BenchDatabase } from '../shared/databases';

export const INSTANCES = 3;
export const TICK_MS = 1000;
export const MINUTE = 60_000;
const TENANTS = 4;

export const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

// Written straight into the database (the bench measures firing, not the
// API): a group per policy, each policy's schedule starting now.
export const seed = async (knex: Knex, count: number): Promise<string[]> => {
    const now = new Date();
    const tenants = Array.from({ length: TENANTS }, () => `bench-${randomUUID().slice(0, 8)}`);
    await knex('tenants').insert(tenants.map((id) => ({ id })));
    const groups = Array.from({ length: count }, (_x, g) => ({
        id: randomUUID(), tenant_id: tenants[g % tenants.length] ?? '', name: `s${g}`, cooldown: 0, min_entities: 0, max_entities: 10,
        metadata: '{}', launch: '{}', desired: 0, created_at: now, updated_at: now
    }));
    for (let i = 0; i < groups.length; i += 200) {
        const chunk = groups.slice(i, i + 200);
        await knex('groups').insert(chunk);
        await knex('policies').insert(chunk.map((g) => ({
            id: randomUUID(), group_id: g.id, name: 'p0', cooldown: 0, adjustment: 'desiredCapacity', amount: 1, type: 'schedule',
            schedule_cron: '* * * * *', schedule_from: now, created_at: now
        })));
    }

    return groups.map((g) => g.id);
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

export interface ScheduleCluster {
    readonly knex: Knex;                     // the first instance's, for seeding and reading
    stop(): Promise<void>;
}

// The instances, started; PGlite is one process's, so there they share its
// one connection, where PostgreSQL gives each its own pool.
export const startCluster = async (database: BenchDatabase): Promise<ScheduleCluster> => {
    const shared = database.host.kind === 'pglite' ? openDatabase({ embedded: {} }) : null;
    const dbs = Array.from({ length: INSTANCES }, () => shared ?? openDatabase(database.host.kind === 'postgres' ? database.host.url : { embedded: {} }));
    const servers: Hapi.Server[] = [];
    let stopped = false;
    const stop = async (): Promise<void> => {
        if (!stopped) {
            stopped = true;
            await Promise.all(servers.map((s) => s.stop()));
            await Promise.all([...new Set(dbs)].map((db) => db.close()));
        }
    };
    try {
        for (const db of dbs) {
            servers.push(await instance(db));
        }

        // Migrations run once, by the first to start; the others find them done.
        for (const server of servers) {
            await server.initialize();
        }
    }
    catch (err) {
        await stop();
        throw err;
    }

    return { knex: (dbs[0] as Database).knex, stop };
};

// Waits, if needed, so that at least marginMs are left before the next
// minute: written then, that minute is every policy's first due time.
export const untilMinuteAhead = async (marginMs: number): Promise<void> => {
    if (Date.now() % MINUTE > MINUTE - marginMs) {
        await sleep(MINUTE - (Date.now() % MINUTE) + 100);
    }
};

export const nextMinute = (): Date => new Date(Math.ceil(Date.now() / MINUTE) * MINUTE);
