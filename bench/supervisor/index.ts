// The supervisor bench: decisions per second (a) from alertTransition in
// process, against a bare knex INSERT into activity at the same concurrency,
// and (b) from capability webhooks over loopback HTTP, against a bare Hapi
// route doing that INSERT, same client and concurrency. Many groups, cooldown
// 0, debounce 0, max at the ceiling: the per-group row lock is not the limit.
import { randomUUID } from 'node:crypto';
import { migrateLatest, openDatabase } from '../../adapters/store/database';
import { maxEntitiesCeiling } from '../../core/model/group';
import { openPool } from '../shared/load';
import { databaseFor, type BenchDatabase } from '../shared/databases';
import type { BenchSettings } from '../shared/settings';
import { startSupervisorHost, type SupervisorHost } from './hosts';
import { supervisorTable, type SupervisorRow } from './report';
import { bestOf, callRunner, httpRunner, type Sides } from './runs';
import { BENCH_TENANT, floorInsert, seedGroups, supervisorPlugin } from './seed';

const GROUPS = Number(process.env.BENCH_SUPERVISOR_GROUPS ?? 200);

const inProcess = async (database: BenchDatabase, settings: BenchSettings): Promise<Sides> => {
    const db = openDatabase(database.host.kind === 'postgres' ? database.host.url : { embedded: {} });
    if (database.host.kind === 'pglite') {
        await migrateLatest(db.knex);
    }

    const server = await supervisorPlugin(db.knex, false);
    try {
        const groups = await seedGroups(server, GROUPS);
        const api = server.plugins['nova-autoscale'];
        const run = randomUUID().slice(0, 8);
        let n = 0;
        // Each transition a new alert (entity) going CRITICAL: one decision each, never a replay.
        const transition = async (): Promise<void> => {
            const i = n++;
            const group = groups[i % groups.length];
            const outcome = await api.alertTransition({
                tenantId: BENCH_TENANT, ruleId: 'bench', entityId: `${run}-${i}`, eventId: `bench-${run}-${i}`, at: new Date(),
                from: 'OK', to: 'CRITICAL', actions: [{ type: 'autoscale', groupId: group?.groupId ?? '', policyId: group?.policyId ?? '' }]
            });
            if (outcome.triggers.length !== 1) {
                throw new Error(`a transition made ${outcome.triggers.length} decisions (${outcome.status})`);
            }
        };
        let f = 0;
        const insert = () => {
            const i = f++;
            return floorInsert(db.knex, groups[i % groups.length]?.groupId ?? '', i);
        };
        return await bestOf(callRunner(transition, settings.concurrency), callRunner(insert, settings.concurrency), settings);
    }
    finally {
        await server.stop();
        await db.close();
    }
};

const overHttp = async (database: BenchDatabase, settings: BenchSettings): Promise<Sides> => {
    const hosts: SupervisorHost[] = [];
    try {
        const plugin = await startSupervisorHost({ role: 'plugin', database: database.host, groups: GROUPS });
        hosts.push(plugin);
        const floor = await startSupervisorHost({ role: 'floor', database: database.host, groups: GROUPS });
        hosts.push(floor);
        const pools = [openPool(plugin.origin, settings.concurrency), openPool(floor.origin, settings.concurrency)] as const;
        try {
            return await bestOf(httpRunner(plugin, pools[0], settings.concurrency), httpRunner(floor, pools[1], settings.concurrency), settings);
        }
        finally {
            await Promise.all(pools.map((p) => p.close()));
        }
    }
    finally {
        await Promise.all(hosts.map((h) => h.stop()));
    }
};

// The printed section: a table in the style of the API one, then how it was measured.
export const supervisorBench = async (settings: BenchSettings): Promise<string[]> => {
    const rows: SupervisorRow[] = [];
    for (const kind of settings.backends) {
        const database = await databaseFor(kind, settings.postgresAdminUrl, 'supervisor bench');
        if (!database) {
            continue;
        }

        try {
            rows.push({ backend: kind, via: 'alertTransition', target: 0.5, sides: await inProcess(database, settings) });
            rows.push({ backend: kind, via: 'capability', target: 0.6, sides: await overHttp(database, settings) });
        }
        finally {
            await database.drop();
        }
    }

    return [
        `supervisor decisions: ${GROUPS} groups (cooldown 0, debounce 0, change +1, max ${maxEntitiesCeiling}), ${settings.concurrency} in flight; ` +
        'alertTransition in this process vs a bare knex INSERT into activity; capability webhook (empty POST) vs a bare Hapi route doing that INSERT, each server in its own process.',
        '',
        ...supervisorTable(rows)
    ];
};
