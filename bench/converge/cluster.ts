// The cluster's creation budget (contract §9): several instances' compute
// guards, each with its own connection pool to one fresh PostgreSQL database,
// sending creates to the simulator back to back for a while. The floor is the
// budget itself: the cluster's creates per second over the region's rate, and
// the busiest second against rate + burst.
import { randomUUID } from 'node:crypto';
import { ClusterLink } from '../../adapters/guard/cluster-link';
import type { CreateBudgetLimits } from '../../adapters/guard/budget';
import { NovaCompute } from '../../adapters/nova/compute';
import { GuardedCompute } from '../../adapters/nova/guarded-compute';
import { openDatabase } from '../../adapters/store/database';
import { knexStore } from '../../adapters/store/knex-store';
import { serverRequest } from '../../core/converge/observe';
import { ComputeError } from '../../core/model/server';
import { systemClock } from '../../core/ports/clock';
import { DEMO, demoServiceAccount, startSimulator } from '../../simulator';
import { postgresDatabase } from '../shared/databases';

export interface ClusterRow {
    readonly instances: number;
    readonly callersEach: number;
    readonly seconds: number;
    readonly limits: CreateBudgetLimits;
    readonly created: number;              // 202s from the simulator
    readonly refused: number;              // creates the guards refused (held: the budget)
    readonly failed: number;               // any other error (want none)
    readonly ratePerS: number;             // after the first second's burst: (created in [1 s, end]) / (end - 1 s)
    readonly busiestWindow: number;        // the most creates in any 1-s window of arrival at the simulator
    readonly busiestSecond: number;        // ... in any clock second (hh:mm:ss) of arrival
}

const launch = { name: 'bench', flavorRef: DEMO.flavors.tiny.id, imageRef: DEMO.image.id, networks: 'none' };

export const clusterRun = async (adminUrl: string, instances: number, callersEach: number, seconds: number, limits: CreateBudgetLimits): Promise<ClusterRow> => {
    const database = await postgresDatabase(adminUrl);
    const sim = await startSimulator({ demo: true, buildDelayMs: 0 });
    const tenant = `bench${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    sim.addProject({ id: tenant, name: tenant });
    sim.grantRole({ userName: DEMO.serviceUser.name, projectId: tenant, role: 'admin' });
    sim.setQuota(tenant, null);
    const url = database.host.kind === 'postgres' ? database.host.url : '';
    const account = demoServiceAccount(sim);
    const stores = Array.from({ length: instances }, () => knexStore(openDatabase(url), { migrate: false, clock: systemClock }));
    const guards = stores.map((store) => new GuardedCompute(new NovaCompute(account), {
        defaultRegion: sim.region, createBudget: limits, cluster: new ClusterLink(store.guards, account.authUrl, randomUUID(), () => undefined)
    }));
    try {
        await Promise.all(stores.map((s) => s.open()));
        const scope = { projectId: tenant, region: sim.region };
        await Promise.all(guards.map((g) => g.listServers(scope)));          // tokens and catalogs in hand before the clock starts
        sim.clearRequests();
        let refused = 0;
        let failed = 0;
        const started = Date.now();
        const until = started + seconds * 1000;
        await Promise.all(guards.flatMap((g) => Array.from({ length: callersEach }, async () => {
            while (Date.now() < until) {
                try {
                    await g.createServer(scope, serverRequest(launch, randomUUID(), randomUUID()));
                }
                catch (err) {
                    if (err instanceof ComputeError && err.kind === 'held') {
                        refused++;
                    }
                    else {
                        failed++;
                    }
                }
            }
        })));

        const arrivals = sim.requests.filter((r) => r.service === 'compute' && r.method === 'POST' && r.status === 202).map((r) => r.at.getTime()).sort((a, b) => a - b);
        const end = arrivals[arrivals.length - 1] ?? started;
        let busiest = 0;
        for (let i = 0, j = 0; i < arrivals.length; i++) {
            while (j < arrivals.length && (arrivals[j] as number) < (arrivals[i] as number) + 1000) {
                j++;
            }

            busiest = Math.max(busiest, j - i);
        }

        const perSecond = new Map<number, number>();
        arrivals.forEach((at) => perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1));
        const first = arrivals[0] ?? started;
        const after = arrivals.filter((at) => at >= first + 1000).length;
        return {
            instances, callersEach, seconds, limits, created: arrivals.length, refused, failed,
            ratePerS: after / Math.max(0.001, (end - first - 1000) / 1000), busiestWindow: busiest, busiestSecond: Math.max(0, ...perSecond.values())
        };
    }
    finally {
        guards.forEach((g) => g.close());
        await Promise.all(stores.map((s) => s.close()));
        await sim.stop();
        await database.drop();
    }
};

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');

export const clusterTable = (r: ClusterRow): string[] => {
    const ratio = r.ratePerS / r.limits.createsPerS;
    const most = r.limits.createsPerS + r.limits.burst;
    const header = ['instances x callers', 'budget c/s|burst|in flight', 'seconds', 'created', 'held', 'c/s after 1st s', 'of budget', 'target', 'busiest second', 'target', 'busiest any 1 s'];
    const row = [
        `${r.instances} x ${r.callersEach}`, `${r.limits.createsPerS}|${r.limits.burst}|${r.limits.maxInFlight}`, fixed(r.seconds, 0), String(r.created), String(r.refused),
        fixed(r.ratePerS, 1), `${fixed(ratio, 3)}${ratio >= 0.9 && ratio <= 1.05 ? '' : ' !!'}`, '0.9-1.05',
        `${r.busiestSecond}${r.busiestSecond <= most ? '' : ' !!'}`, `<=${most}`, String(r.busiestWindow)
    ];
    const widths = header.map((h, i) => Math.max(h.length, (row[i] ?? '').length));
    const pad = (cells: readonly string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
    return [pad(header), widths.map((w) => '-'.repeat(w)).join('  '), pad(row), ...(r.failed === 0 ? [] : [`  !! ${r.failed} creates failed otherwise than held`])];
};
