// Convergence throughput: every group told at once to have N servers (a
// desiredCapacity policy executed through the API, as a customer would), then
// the plugin left to its own background work (the kick of each decision, the
// rechecks) until every server exists, against the floor: the same creates
// from a bare undici loop under the same budget.
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../../adapters/store/database';
import { type CreateBudgetLimits, DEFAULT_CREATE_BUDGET } from '../../adapters/nova/budget';
import { startSimulator } from '../../simulator';
import type { ConvergeSettings } from './settings';
import { createFloor, type FloorRun } from './floor';
import { guardedCompute, inject, mountPlugin, seedGroups } from './rig';
import { postgresDatabase } from '../shared/databases';

export interface CreatesRow {
    readonly limits: CreateBudgetLimits;
    readonly storm: boolean;               // the storm guard on
    readonly groups: number;
    readonly creates: number;              // desired over all groups
    readonly pluginMs: number;
    readonly pluginCreated: number;        // 202s to the plugin's POST /servers
    readonly listings: number;             // GET /servers/detail pages the plugin asked for
    readonly held: number;                 // creates the budget refused (intent retired, planned again)
    readonly inNova: number;               // servers naming a group, after the plugin's run
    readonly floor: FloorRun;
}

const GUARD_MS = 300_000;                  // give up rather than hang on a converger that never finishes

export const createsRun = async (cs: ConvergeSettings, adminUrl: string, createsPerS: number, storm: boolean): Promise<CreatesRow> => {
    const database = await postgresDatabase(adminUrl);
    const sim = await startSimulator({ demo: true, buildDelayMs: 0 });
    const limits: CreateBudgetLimits = { createsPerS, burst: cs.burst, maxInFlight: cs.maxInFlight, maxWaitMs: DEFAULT_CREATE_BUDGET.maxWaitMs };
    const compute = guardedCompute(sim, { createBudget: limits });
    const url = database.host.kind === 'postgres' ? database.host.url : '';
    const db = openDatabase(url);
    try {
        // Every group scales up at once here: a storm. With the guard on, it
        // shares the region's budget out between the groups, a few seconds' worth at a time.
        const server = await mountPlugin(url, sim, compute, { concurrency: cs.concurrency, stormGuard: storm ? { regionCreatesPerS: createsPerS } : false });
        try {
            const groups = await seedGroups(server, sim, cs.groups, cs.groupsPerTenant);
            const perGroup = Math.ceil(cs.creates / cs.groups);
            const policies = await Promise.all(groups.map(async (g) => {
                const created = await inject(server, g.tenantId, 'POST', `/groups/${g.groupId}/policies`, [{ name: 'to-n', cooldown: 0, type: 'webhook', desiredCapacity: perGroup }]) as { policies: { id: string }[] };
                return { ...g, policyId: created.policies[0]?.id ?? '' };
            }));
            sim.clearRequests();

            const ours = () => sim.servers().filter((s) => s.metadata['autoscale:group_id'] !== undefined).length;
            const started = Date.now();
            for (let i = 0; i < policies.length; i += 50) {
                await Promise.all(policies.slice(i, i + 50).map((g) => inject(server, g.tenantId, 'POST', `/groups/${g.groupId}/policies/${g.policyId}/execute`)));
            }

            while (ours() < perGroup * groups.length && Date.now() - started < GUARD_MS) {
                await sleep(20);
            }

            const pluginMs = Date.now() - started;
            const compute202 = sim.requests.filter((r) => r.service === 'compute' && r.method === 'POST' && r.status === 202).length;
            const listings = sim.requests.filter((r) => r.service === 'compute' && r.method === 'GET' && r.path.startsWith('/servers/detail')).length;
            const [held] = await db.knex('activity').where({ source: 'converger', kind: 'create', outcome: 'failed', reason: 'held' }).count({ n: '*' });
            const inNova = sim.servers().filter((s) => s.metadata['autoscale:group_id'] !== undefined).length;

            const floor = await createFloor(sim, groups, perGroup * groups.length, cs.concurrency, limits);
            return { limits, storm, groups: groups.length, creates: perGroup * groups.length, pluginMs, pluginCreated: compute202, listings, held: Number(held?.n ?? 0), inNova, floor };
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
