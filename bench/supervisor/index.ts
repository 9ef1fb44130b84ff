// The supervisor bench: decisions per second (a) from alertTransition in
// process, against a bare knex INSERT into activity at the same concurrency,
// and (b) from capability webhooks over loopback HTTP, against a bare Hapi
// route doing that INSERT, same client and concurrency. Many groups, cooldown
// 0, debounce 0, max at the ceiling: the per-group row lock is not the limit.
import { migrateLatest, openDatabase } from '../../adapters/store/database';
import { maxEntitiesCeiling } from '../../core/model/group';
import { openPool } from '../shared/load';
import { databaseFor, type BenchDatabase } from '../shared/databases';
import { list, type BenchSettings } from '../shared/settings';
import { instrumentationLines, instrumentationRun, SAME_SIDES } from './instrumentation';
import { startSupervisorHost, type SupervisorHost } from './hosts';
import { supervisorTable, type SupervisorRow } from './report';
import { bestOf, callRunner, httpRunner, type Sides } from './runs';
import { floorInsert, seedGroups, supervisorPlugin } from './seed';
import { transitions } from './transitions';

const GROUPS = Number(process.env.BENCH_SUPERVISOR_GROUPS ?? 200);

// BENCH_SUPERVISOR_PARTS=alert,capability,instrumentation: which parts run (all by default).
type SupervisorPart = 'alert' | 'capability' | 'instrumentation';

const inProcess = async (database: BenchDatabase, settings: BenchSettings): Promise<Sides> => {
    const db = openDatabase(database.host.kind === 'postgres' ? database.host.url : { embedded: {} });
    if (database.host.kind === 'pglite') {
        await migrateLatest(db.knex);
    }

    const server = await supervisorPlugin(db.knex, false);
    try {
        const groups = await seedGroups(server, GROUPS);
        const transition = transitions(server, groups);
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

// The printed section: a table in the style of the API one, then how it was
// measured; then instrumentation on against off, when that part runs.
export const supervisorBench = async (settings: BenchSettings): Promise<string[]> => {
    const parts = list<SupervisorPart>('BENCH_SUPERVISOR_PARTS', ['alert', 'capability', 'instrumentation']);
    const rows: SupervisorRow[] = [];
    const instrumented: string[] = [];
    for (const kind of settings.backends) {
        const database = await databaseFor(kind, settings.postgresAdminUrl, 'supervisor bench');
        if (!database) {
            continue;
        }

        try {
            if (parts.includes('alert')) {
                rows.push({ backend: kind, via: 'alertTransition', target: 0.5, sides: await inProcess(database, settings) });
            }

            if (parts.includes('capability')) {
                rows.push({ backend: kind, via: 'capability', target: 0.6, sides: await overHttp(database, settings) });
            }

            if (parts.includes('instrumentation')) {
                instrumented.push(...instrumentationLines(kind, await instrumentationRun(database, settings, GROUPS)));
            }
        }
        finally {
            await database.drop();
        }
    }

    return [
        ...(rows.length === 0 ? [] : [
            `supervisor decisions: ${GROUPS} groups (cooldown 0, debounce 0, change +1, max ${maxEntitiesCeiling}), ${settings.concurrency} in flight; ` +
            'alertTransition in this process vs a bare knex INSERT into activity; capability webhook (empty POST) vs a bare Hapi route doing that INSERT, each server in its own process.',
            '',
            ...supervisorTable(rows)
        ]),
        ...(instrumented.length === 0 ? [] : [
            `instrumentation: alertTransition decisions in this process on the same ${GROUPS} groups through two plugins, ${settings.concurrency} in flight, short rounds alternating; ` +
            (SAME_SIDES ? 'both sides off (BENCH_INSTRUMENTATION_AA): the machine\'s own noise.' : 'on: metrics kept and the demo host\'s hapi-pino writing JSON lines to a file; off: metrics.enabled false and no logger listening.'),
            ...instrumented
        ])
    ];
};
