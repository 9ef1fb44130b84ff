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
import { arrivalFigures, isCreate } from './arrivals';

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

        const figures = arrivalFigures(sim.requests.filter(isCreate).map((r) => r.at.getTime()));
        return {
            instances, callersEach, seconds, limits, created: figures.created, refused, failed,
            ratePerS: figures.ratePerS, busiestWindow: figures.busiestWindow, busiestSecond: figures.busiestSecond
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
