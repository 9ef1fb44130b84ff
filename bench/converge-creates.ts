// Convergence throughput: desired set on every group at once (one UPDATE, as a
// decision writes it), then the plugin's converger run (convergeOnce, every
// group with something to do, in turn) until nothing is left, against the
// floor: the same creates from a bare undici loop under the same budget.
import { openDatabase } from '../adapters/store/database';
import type { CreateBudgetLimits } from '../core/budget';
import { startSimulator } from '../simulator';
import type { ConvergeSettings } from './converge-settings';
import { createFloor, type FloorRun } from './converge-floor';
import { guardedCompute, mountPlugin, seedGroups } from './converge-rig';
import { postgresDatabase } from './databases';

export interface CreatesRow {
    readonly limits: CreateBudgetLimits;
    readonly groups: number;
    readonly creates: number;              // desired over all groups
    readonly pluginMs: number;
    readonly sweeps: number;               // convergeOnce() rounds until none was left
    readonly pluginCreated: number;        // 202s to the plugin's POST /servers
    readonly listings: number;             // GET /servers/detail pages the plugin asked for
    readonly held: number;                 // creates the budget refused (intent retired, planned again)
    readonly inNova: number;               // servers naming a group, after the plugin's run
    readonly floor: FloorRun;
}

const GUARD_MS = 300_000;                  // give up rather than hang on a converger that never finishes

export const createsRun = async (cs: ConvergeSettings, adminUrl: string, createsPerS: number): Promise<CreatesRow> => {
    const database = await postgresDatabase(adminUrl);
    const sim = await startSimulator({ demo: true, buildDelayMs: 0 });
    const limits: CreateBudgetLimits = { createsPerS, burst: cs.burst, maxInFlight: cs.maxInFlight };
    const compute = guardedCompute(sim, { createBudget: limits });
    const url = database.host.kind === 'postgres' ? database.host.url : '';
    const db = openDatabase(url);
    try {
        // The storm guard paces the region to the same budget: every group scales up at once here.
        const server = await mountPlugin(url, sim, compute, { recheckMs: 0, concurrency: cs.concurrency, stormGuard: { regionCreatesPerS: createsPerS } });
        try {
            const groups = await seedGroups(server, sim, cs.groups, cs.groupsPerTenant);
            const perGroup = Math.ceil(cs.creates / cs.groups);
            await db.knex('groups').whereIn('id', groups.map((g) => g.groupId)).update({ desired: perGroup, version: db.knex.raw('version + 1') });
            sim.clearRequests();

            const api = server.plugins['nova-autoscale'];
            const started = Date.now();
            let sweeps = 0;
            while ((await api.convergeOnce()).length > 0 && Date.now() - started < GUARD_MS) {
                sweeps++;
            }

            const pluginMs = Date.now() - started;
            const compute202 = sim.requests.filter((r) => r.service === 'compute' && r.method === 'POST' && r.status === 202).length;
            const listings = sim.requests.filter((r) => r.service === 'compute' && r.method === 'GET' && r.path.startsWith('/servers/detail')).length;
            const [held] = await db.knex('activity').where({ source: 'converger', kind: 'create', outcome: 'failed', reason: 'held' }).count({ n: '*' });
            const inNova = sim.servers().filter((s) => s.metadata['autoscale:group_id'] !== undefined).length;

            const floor = await createFloor(sim, groups, perGroup * groups.length, cs.concurrency, limits);
            return { limits, groups: groups.length, creates: perGroup * groups.length, pluginMs, sweeps, pluginCreated: compute202, listings, held: Number(held?.n ?? 0), inNova, floor };
        }
        finally {
            await server.stop();
        }
    }
    finally {
        compute.close();
        await db.close();
        await sim.stop();
        await database.drop();
    }
};
