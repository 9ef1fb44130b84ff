// A dead instance's group going on elsewhere (contract §9: within the lease
// TTL + 5 s of a kill -9). Each run: a fresh instance A (its own process)
// converging one group whose creates the simulator answers slowly, one at a
// time, so A holds the group's lease mid-run (a build delay or a spent budget
// would end A's run and free the lease instead); A killed -9 at a random point
// of its renewals; timed until the lease row names another instance, and until
// the group's project is next listed (the new holder's first call). The other
// instances stay up across runs.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../../adapters/store/database';
import { DEMO, demoServiceAccount } from '../../simulator';
import { postgresDatabase } from '../shared/databases';
import { startInstance, type Instance, type InstanceConfig } from './instances';
import { groupBody } from './rig';
import { startSimProcess, type SimProcess } from './sim-process';

export interface TakeoverOptions {
    readonly instances: number;            // A and the ones that stay up
    readonly runs: number;
    readonly leaseTtlS: number;
    readonly createMs: number;             // how long the simulator takes to answer a create
    readonly servers: number;              // the group's desired
}

export interface TakeoverSample {
    readonly lapseMs: number;              // from the kill to the lease's expiry as A last renewed it
    readonly takenMs: number | null;       // from the kill to the lease row naming another instance (null: not within the guard)
    readonly firstCallMs: number | null;   // from the kill to the next listing of the group's project
    readonly by: number;                   // which of the survivors took it (0-based), -1 when none
}

export interface TakeoverRow {
    readonly options: TakeoverOptions;
    readonly samples: readonly TakeoverSample[];
}

const POLL_MS = 10;

interface LeaseRow { holder: string; expires_at: Date }

const leaseOf = async (knex: ReturnType<typeof openDatabase>['knex'], groupId: string): Promise<LeaseRow | undefined> =>
    knex('group_leases').where({ group_id: groupId }).first<LeaseRow | undefined>('holder', 'expires_at');

// A group of its own project, created through A and told to grow.
const startGroup = async (sim: SimProcess, a: Instance, servers: number): Promise<{ tenantId: string; groupId: string }> => {
    const tenantId = `t${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    await sim.control('POST', '/projects', { id: tenantId, name: tenantId });
    await sim.control('POST', '/grants', { userName: DEMO.serviceUser.name, projectId: tenantId, role: 'admin' });
    const body = { ...groupBody, scalingPolicies: [{ name: 'to-n', cooldown: 0, type: 'webhook', desiredCapacity: servers }] };
    const created = await a.call(tenantId, 'POST', '/groups', 201, body) as { group: { id: string; scalingPolicies: { id: string }[] } };
    const groupId = created.group.id;
    await a.call(tenantId, 'POST', `/groups/${groupId}/policies/${created.group.scalingPolicies[0]?.id ?? ''}/execute`, 202);
    return { tenantId, groupId };
};

const oneRun = async (sim: SimProcess, knex: ReturnType<typeof openDatabase>['knex'], config: InstanceConfig, survivors: readonly Instance[], o: TakeoverOptions): Promise<TakeoverSample> => {
    const a = await startInstance(config);
    try {
        const { tenantId, groupId } = await startGroup(sim, a, o.servers);
        const guardMs = 4 * o.leaseTtlS * 1000 + 10_000;
        const since = Date.now();
        while (!(await leaseOf(knex, groupId))?.holder.startsWith(a.id)) {
            if (Date.now() - since > guardMs) {
                throw new Error(`instance A never held the lease of group ${groupId}`);
            }

            await sleep(POLL_MS);
        }

        // Somewhere within a renewal (one a create, createMs apart).
        await sleep(300 + Math.random() * o.createMs);
        await sim.drainRequests();
        await a.kill9();
        const killedAt = Date.now();
        const lapsesAt = (await leaseOf(knex, groupId))?.expires_at.getTime() ?? killedAt;
        let takenMs: number | null = null;
        let by = -1;
        while (Date.now() - killedAt < guardMs) {
            const holder = (await leaseOf(knex, groupId))?.holder;
            if (holder !== undefined && !holder.startsWith(a.id)) {
                takenMs = Date.now() - killedAt;
                by = survivors.findIndex((s) => holder.startsWith(s.id));
                break;
            }

            await sleep(POLL_MS);
        }

        // The new holder lists the project right after its claim: looked for until answered, or a few seconds.
        const firstCall = async (): Promise<number | null> => {
            for (const until = Date.now() + 5000; Date.now() < until; await sleep(50)) {
                const listing = (await sim.drainRequests()).find((r) => r.service === 'compute' && r.method === 'GET' && r.path === '/servers/detail' &&
                    r.projectId === tenantId && r.at.getTime() >= killedAt);
                if (listing !== undefined) {
                    return listing.at.getTime() - killedAt;
                }
            }

            return null;
        };
        return { lapseMs: lapsesAt - killedAt, takenMs, firstCallMs: takenMs === null ? null : await firstCall(), by };
    }
    finally {
        await a.kill9();
    }
};

export const takeoverRun = async (adminUrl: string, o: TakeoverOptions): Promise<TakeoverRow> => {
    const database = await postgresDatabase(adminUrl);
    const url = database.host.kind === 'postgres' ? database.host.url : '';
    const sim = await startSimProcess();
    const db = openDatabase(url);
    const survivors: Instance[] = [];
    try {
        await sim.control('POST', '/faults', { service: 'compute', method: 'POST', path: '^/servers$', delayMs: o.createMs });
        // One create at a time, each answered createMs later: A renews its lease before each.
        const config: InstanceConfig = {
            databaseUrl: url, serviceAccount: demoServiceAccount(sim), createBudget: { createsPerS: 100, burst: 10, maxInFlight: 100, maxWaitMs: 2000 },
            concurrency: 1, parallelGroups: 8, stormGuard: false, leaseTtlS: o.leaseTtlS
        };
        survivors.push(...await Promise.all(Array.from({ length: o.instances - 1 }, () => startInstance(config))));
        const samples: TakeoverSample[] = [];
        for (let i = 0; i < o.runs; i++) {
            samples.push(await oneRun(sim, db.knex, config, survivors, o));
        }

        return { options: o, samples };
    }
    finally {
        await Promise.all(survivors.map((s) => s.stop()));
        await db.close();
        await sim.stop();
        await database.drop();
    }
};
