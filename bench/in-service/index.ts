// Time to in service: an alert going CRITICAL until `count` servers are in
// service (the plugin: decision, kick, creates, rechecks until Nova says
// ACTIVE), against the floor, the same creates sent straight to Nova and
// each server shown every 250 ms until ACTIVE. Runs alternate plugin and
// floor, median of each; against the simulator with a build delay, and
// against a real OpenStack as well when OS_AUTH_URL (or OS_CLOUD) is set.
// BENCH_IN_SERVICE_RUNS=5  BENCH_IN_SERVICE_SERVERS=10  BENCH_IN_SERVICE_BUILD_MS=5000 (the simulator's)
import { pgliteDatabase, postgresDatabase, type BenchDatabase } from '../shared/databases';
import { number, type BenchSettings } from '../shared/settings';
import { median } from '../shared/stats';
import { realCloud, simulatorCloud, type Cloud } from './cloud';
import { floorRun } from './floor';
import { startPluginHost } from './plugin';

// The acceptance: the plugin's median within this of the floor's.
export const TARGET_RATIO = 1.1;
const FLOOR_POLL_MS = 250;
// How often the plugin's group state is read: fine enough not to blur the figure.
const STATE_POLL_MS = 50;
const LIMIT_MS = 180_000;

const seconds = (ms: number): string => (ms / 1000).toFixed(2);

const databaseFor = async (settings: BenchSettings): Promise<BenchDatabase> => {
    if (settings.backends.includes('postgres')) {
        try {
            return await postgresDatabase(settings.postgresAdminUrl);
        }
        catch {
            // PGlite below: the figure is Nova's wait, not the database's.
        }
    }

    return pgliteDatabase();
};

const measure = async (cloud: Cloud, settings: BenchSettings, runs: number, count: number): Promise<string[]> => {
    const database = await databaseFor(settings);
    try {
        const host = await startPluginHost(cloud, database.host);
        const plugin: number[] = [];
        const floor: number[] = [];
        try {
            for (let i = 0; i < runs; i++) {
                plugin.push(await host.run(count, STATE_POLL_MS, LIMIT_MS));
                floor.push(await floorRun(cloud, count, FLOOR_POLL_MS, LIMIT_MS));
            }
        }
        finally {
            await host.stop();
        }

        const ratio = median(plugin) / median(floor);
        return [
            `${cloud.label}; plugin on ${database.label}`,
            `  plugin ${seconds(median(plugin))} s, floor ${seconds(median(floor))} s (medians of ${runs}): p/f ${ratio.toFixed(3)}` +
            `${ratio <= TARGET_RATIO ? '' : ` > ${TARGET_RATIO}`} (target <= ${TARGET_RATIO})`,
            `  runs, plugin: ${plugin.map(seconds).join(' ')}; floor: ${floor.map(seconds).join(' ')}`
        ];
    }
    finally {
        await database.drop();
    }
};

const guarded = async (what: string, work: () => Promise<string[]>): Promise<string[]> => {
    try {
        return await work();
    }
    catch (err) {
        return [`!! time to in service, ${what}: ${err instanceof Error ? err.message : String(err)}`];
    }
};

export const inServiceBench = async (settings: BenchSettings): Promise<string[]> => {
    const started = Date.now();
    const runs = Math.round(number('BENCH_IN_SERVICE_RUNS', 5));
    const count = Math.round(number('BENCH_IN_SERVICE_SERVERS', 10));
    const buildMs = number('BENCH_IN_SERVICE_BUILD_MS', 5000);
    const lines = [
        `time to in service: an alert CRITICAL (alertTransition in process) to ${count} servers in service, the plugin with its defaults ` +
        `(the decision's kick, rechecks while the group builds), its group state read every ${STATE_POLL_MS} ms; ` +
        `floor: the same ${count} creates sent straight to Nova as the service account, each server shown every ${FLOOR_POLL_MS} ms until ACTIVE. ` +
        'Plugin and floor runs alternate; every run\'s servers are deleted before the next.'
    ];

    lines.push(...await guarded('simulator', async () => {
        const cloud = await simulatorCloud(buildMs);
        try {
            return await measure(cloud, settings, runs, count);
        }
        finally {
            await cloud.stop();
        }
    }));

    lines.push(...await guarded('real OpenStack', async () => {
        const cloud = await realCloud(process.env);
        return cloud ? measure(cloud, settings, runs, count) : ['  (no OS_AUTH_URL / OS_CLOUD: no real OpenStack run)'];
    }));

    return [...lines, `  (time to in service: ${((Date.now() - started) / 1000).toFixed(0)}s with setup)`];
};
