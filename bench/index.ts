// `npm run bench`: the groups API through the real plugin stack against a
// bare-Hapi floor doing the same single query, on PGlite and on PostgreSQL.
import * as Os from 'node:os';
import { compare, type Caller, type Comparison, type Target } from './api/compare';
import { databaseFor } from './shared/databases';
import { startHost, type Host } from './api/hosts';
import { startIdentity, validations, type BenchIdentity } from './api/keystone';
import { openPool } from './shared/load';
import { details, table } from './api/report';
import { benchSettings, type BackendKind, type BenchSettings } from './shared/settings';
import { supervisorBench } from './supervisor';
import { convergeBench } from './converge';
import { capabilityBench } from './capability';
import { inServiceBench } from './in-service';
import { webhookBench } from './webhook';
import { schedulesBench } from './schedules';
import { metricsBench } from './metrics';

interface Measured {
    readonly backend: string;
    readonly comparison: Comparison;
}

const measureBackend = async (kind: BackendKind, identity: BenchIdentity, settings: BenchSettings): Promise<Measured[]> => {
    const database = await databaseFor(kind, settings.postgresAdminUrl, 'API bench');
    if (!database) {
        return [];
    }

    console.log(`${kind}: ${database.label}`);
    const hosts: Host[] = [];
    const targets: Target[] = [];
    try {
        const plugin = await startHost({ role: 'plugin', database: database.host, tenantId: identity.tenantId, serviceAccount: identity.serviceAccount });
        hosts.push(plugin);
        const floor = await startHost({ role: 'floor', database: database.host, tenantId: identity.tenantId });
        hosts.push(floor);
        const pluginTarget: Target = { host: plugin, pool: openPool(plugin.origin, settings.concurrency) };
        const floorTarget: Target = { host: floor, pool: openPool(floor.origin, settings.concurrency) };
        targets.push(pluginTarget, floorTarget);

        const caller: Caller = { tenantId: identity.tenantId, token: identity.token };
        const measured: Measured[] = [];
        for (const operation of settings.operations) {
            measured.push({ backend: kind, comparison: await compare(operation, pluginTarget, floorTarget, caller, settings) });
        }

        return measured;
    }
    finally {
        await Promise.all(targets.map((t) => t.pool.close()));
        await Promise.all(hosts.map((h) => h.stop()));
        await database.drop();
    }
};

const apiBench = async (settings: BenchSettings): Promise<void> => {
    const started = Date.now();
    console.log(`nova-autoscale bench: node ${process.version}, ${Os.cpus().length} CPU (${Os.cpus()[0]?.model ?? '?'}), ` +
        `${settings.concurrency} in flight, warm-up ${settings.warmupSeconds}s, best of ${settings.rounds} × ${settings.seconds}s per server and op`);
    console.log('plugin: Hapi + nova-autoscale at /autoscale, Keystone token scheme (simulator, cached after the first validation); ' +
        'floor: bare Hapi, one knex INSERT / SELECT of a group row. Each server in its own process; client: undici Pool in this one.');

    const identity = await startIdentity();
    const measured: Measured[] = [];
    try {
        for (const kind of settings.backends) {
            measured.push(...await measureBackend(kind, identity, settings));
        }
    }
    finally {
        await identity.simulator.stop();
    }

    console.log('');
    console.log(table(measured));
    console.log('');
    for (const m of measured) {
        console.log(details(m.backend, m.comparison).join('\n'));
    }

    console.log(`  Keystone token validations: ${validations(identity.simulator)} (one per plugin process; cached after); total ${((Date.now() - started) / 1000).toFixed(0)}s`);
    console.log('  tput p/f = plugin/floor throughput (target >= 0.5); p99 f/p = floor p99 / plugin p99; CPU/req = server process CPU per answered request' +
        ' (not counting PostgreSQL\'s own processes); RSS after the op\'s runs, per server process.');
};

const main = async (): Promise<void> => {
    const settings = benchSettings();
    if (settings.sections.includes('api')) {
        await apiBench(settings);
    }

    if (settings.sections.includes('supervisor')) {
        console.log('');
        console.log((await supervisorBench(settings)).join('\n'));
    }

    if (settings.sections.includes('converge')) {
        console.log('');
        console.log((await convergeBench(settings)).join('\n'));
    }

    if (settings.sections.includes('capability')) {
        console.log('');
        console.log((await capabilityBench(settings)).join('\n'));
    }

    if (settings.sections.includes('in-service')) {
        console.log('');
        console.log((await inServiceBench(settings)).join('\n'));
    }

    if (settings.sections.includes('webhook')) {
        console.log('');
        console.log((await webhookBench(settings)).join('\n'));
    }

    if (settings.sections.includes('schedules')) {
        console.log('');
        console.log((await schedulesBench(settings)).join('\n'));
    }

    if (settings.sections.includes('metrics')) {
        console.log('');
        console.log((await metricsBench(settings)).join('\n'));
    }
};

main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
});
