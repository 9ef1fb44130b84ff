// The cluster's creation budget through the whole plugin (contract §9, issue
// 11): the simulator in a process of its own, N plugin instances each in its
// own (instance-host.ts) over one fresh PostgreSQL database, every group told
// through the API (the triggers spread over the instances) to have S servers,
// then the instances left to converge them. Measured from the simulator's
// request log, read a page at a time: the creates' arrival rate against the
// region's budget, the busiest second against rate + burst, that exactly G x S
// were created, and the time until every ledger row is active.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CreateBudgetLimits } from '../../adapters/guard/budget';
import { openDatabase } from '../../adapters/store/database';
import { groupMetadataKey } from '../../core/model/ledger';
import { limiter } from '../../core/engine/limiter';
import { DEMO, demoServiceAccount } from '../../simulator';
import { postgresDatabase } from '../shared/databases';
import { arrivalFigures, isCreate, type ArrivalFigures } from './arrivals';
import { startInstance, type Instance } from './instances';
import { groupBody } from './rig';
import { startSimProcess, type SimProcess } from './sim-process';

export interface ClusterPluginOptions {
    readonly instances: number;
    readonly groups: number;
    readonly groupsPerTenant: number;
    readonly serversPerGroup: number;
    readonly limits: CreateBudgetLimits;
    readonly parallelGroups: number;
    readonly stormGuard: boolean;
}

export interface ClusterPluginRow {
    readonly options: ClusterPluginOptions;
    readonly figures: ArrivalFigures;
    readonly wanted: number;
    readonly inNova: number;               // servers naming a group in the simulator at the end
    readonly listings: number;             // GET /servers/detail
    readonly held: number;                 // creates the budget refused (activity rows)
    readonly createdMs: number | null;     // from the first trigger to the last create's arrival
    readonly convergedMs: number | null;   // ... to every ledger row active (null: not within the guard)
    readonly logPeak: number;              // the most entries a read of the log took: its size between reads
}

const READ_EVERY_MS = 500;

interface Seeded {
    readonly groupId: string;
    readonly tenantId: string;
    readonly policyId: string;
}

interface CreatedGroup { group: { id: string; scalingPolicies: { id: string }[] } }

const seed = async (sim: SimProcess, instances: readonly Instance[], o: ClusterPluginOptions): Promise<Seeded[]> => {
    const tenants = Array.from({ length: Math.ceil(o.groups / o.groupsPerTenant) }, () => `c${randomUUID().replace(/-/g, '').slice(0, 12)}`);
    for (const id of tenants) {
        await sim.control('POST', '/projects', { id, name: id });
        await sim.control('POST', '/grants', { userName: DEMO.serviceUser.name, projectId: id, role: 'admin' });
    }

    const body = { ...groupBody, scalingPolicies: [{ name: 'to-n', cooldown: 0, type: 'webhook', desiredCapacity: o.serversPerGroup }] };
    const slot = limiter(30);
    return Promise.all(Array.from({ length: o.groups }, (_, g) => slot(async () => {
        const tenantId = tenants[Math.floor(g / o.groupsPerTenant)] ?? '';
        const created = await (instances[g % instances.length] as Instance).call(tenantId, 'POST', '/groups', 201, body) as CreatedGroup;
        return { groupId: created.group.id, tenantId, policyId: created.group.scalingPolicies[0]?.id ?? '' };
    })));
};

export const clusterPluginRun = async (adminUrl: string, o: ClusterPluginOptions): Promise<ClusterPluginRow> => {
    const database = await postgresDatabase(adminUrl);
    const url = database.host.kind === 'postgres' ? database.host.url : '';
    const sim = await startSimProcess();
    const db = openDatabase(url);
    const instances: Instance[] = [];
    try {
        const config = {
            databaseUrl: url, serviceAccount: demoServiceAccount(sim), createBudget: o.limits,
            concurrency: o.serversPerGroup, parallelGroups: o.parallelGroups, stormGuard: o.stormGuard, leaseTtlS: 30
        };
        instances.push(...await Promise.all(Array.from({ length: o.instances }, () => startInstance(config))));
        const groups = await seed(sim, instances, o);
        await sim.clearRequests();

        const wanted = o.groups * o.serversPerGroup;
        const started = Date.now();
        const slot = limiter(50);
        await Promise.all(groups.map((g, i) => slot(() =>
            (instances[i % instances.length] as Instance).call(g.tenantId, 'POST', `/groups/${g.groupId}/policies/${g.policyId}/execute`, 202))));

        // The log read and emptied every half second: only the creates' times are kept.
        const creates: number[] = [];
        let listings = 0;
        let logPeak = 0;
        const read = async (): Promise<void> => {
            const page = await sim.drainRequests();
            logPeak = Math.max(logPeak, page.length);
            for (const r of page) {
                if (isCreate(r)) {
                    creates.push(r.at.getTime());
                }
                else if (r.service === 'compute' && r.method === 'GET' && r.path === '/servers/detail') {
                    listings++;
                }
            }
        };
        const settled = async (): Promise<boolean> => {
            const rows: { state: string; n: string }[] = await db.knex('servers').whereNot({ state: 'gone' }).groupBy('state').select('state').count({ n: '*' });
            return rows.length === 1 && rows[0]?.state === 'active' && Number(rows[0].n) === wanted;
        };

        // Give up at three times the budget's own time, and a minute.
        const guardMs = 3 * (wanted / o.limits.createsPerS) * 1000 + 60_000;
        let convergedMs: number | null = null;
        while (Date.now() - started < guardMs) {
            await read();
            if (await settled()) {
                convergedMs = Date.now() - started;
                break;
            }

            await sleep(READ_EVERY_MS);
        }

        // A create sent after convergence would be one too many: a last look after a while.
        await sleep(2000);
        await read();
        const inNova = (await sim.control<{ servers: { metadata: Record<string, string> }[] }>('GET', '/servers')).servers
            .filter((s) => s.metadata[groupMetadataKey] !== undefined).length;
        const [held] = await db.knex('activity').where({ source: 'converger', kind: 'create', outcome: 'failed', reason: 'held' }).count({ n: '*' });
        const figures = arrivalFigures(creates);
        return {
            options: o, figures, wanted, inNova, listings, held: Number(held?.n ?? 0),
            createdMs: figures.lastMs === null ? null : figures.lastMs - started, convergedMs, logPeak
        };
    }
    finally {
        await Promise.all(instances.map((i) => i.stop()));
        await db.close();
        await sim.stop();
        await database.drop();
    }
};
