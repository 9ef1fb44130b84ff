// Joining throughput: N servers into one simulator pool (zero build time, zero
// member delay) through the plugin's built-in workflow (create, ACTIVE, join:
// the member's record, its create, its first look, in service), against the
// floor: the same server creates and member creates from a bare undici loop
// with as many in flight as the plugin's runs can have at once. Rounds of
// both, each on a fresh database and simulator, medians: one sample of either
// swings with the machine's load.
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { openDatabase } from '../../adapters/store/database';
import { serverRequest } from '../../core/converge/observe';
import { DEMO, demoServiceAccount, startSimulator, type Simulator } from '../../simulator';
import { postgresDatabase } from '../shared/databases';
import { median } from '../shared/stats';
import type { ConvergeSettings } from './settings';
import { guardedCompute, inject, mountPlugin, seedGroups } from './rig';

export interface MembersRound {
    readonly pluginMs: number;
    readonly inService: number;
    readonly members: number;              // ACTIVE members in the pool after the plugin's run
    readonly octaviaCalls: number;         // the plugin's requests to Octavia
    readonly computeCalls: number;         // the plugin's requests to Nova
    readonly floorMs: number;
    readonly floorJoined: number;
}

export interface MembersRow {
    readonly servers: number;
    readonly groups: number;
    readonly inFlight: number;             // the plugin's runs at once x creates per run; the floor's workers
    readonly rounds: readonly MembersRound[];
}

const ROUNDS = 3;
const GUARD_MS = 300_000;
const PARALLEL_GROUPS = 8;
const OPEN_BUDGET = { createsPerS: 100_000, burst: 100_000, maxInFlight: 10_000, maxWaitMs: 0 };

// The floor: POST /servers, then POST the member at an address of the pool's subnet, per server.
const floorRun = async (sim: Simulator, tenantId: string, poolId: string, total: number, workers: number): Promise<{ ms: number; joined: number }> => {
    const pool = new Pool(sim.origin, { connections: workers });
    const token = sim.issueToken({ userName: DEMO.serviceUser.name, projectId: tenantId });
    const headers = { 'content-type': 'application/json', 'x-auth-token': token, 'openstack-api-version': 'compute 2.37' };
    const membersPath = `${new URL(sim.loadBalancerUrl).pathname}/v2/lbaas/pools/${poolId}/members`;
    let next = 0;
    let joined = 0;
    const worker = async (): Promise<void> => {
        for (let i = next++; i < total; i = next++) {
            const created = await pool.request({
                method: 'POST', path: `${new URL(sim.computeUrl).pathname}/servers`, headers,
                body: JSON.stringify({ server: serverRequest({ name: 'floor', flavorRef: DEMO.flavors.tiny.id, imageRef: DEMO.image.id, networks: [{ uuid: DEMO.network.id }] }, 'floor', randomUUID()) })
            });
            await created.body.dump();
            const member = await pool.request({
                method: 'POST', path: membersPath, headers,
                body: JSON.stringify({ member: { address: `10.30.${Math.floor(i / 250)}.${(i % 250) + 2}`, protocol_port: 80, name: `floor-${i}` } })
            });
            await member.body.dump();
            joined += member.statusCode === 201 ? 1 : 0;
        }
    };

    const started = Date.now();
    try {
        await Promise.all(Array.from({ length: workers }, worker));
        return { ms: Date.now() - started, joined };
    }
    finally {
        await pool.close();
    }
};

// The ledger is polled only once the pool shows every member ACTIVE (the
// simulator's own memory, no I/O): a poll is a statement, and polling the
// whole run long charged the plugin's process with the bench's own queries.
const waitInService = async (sim: Simulator, db: ReturnType<typeof openDatabase>, poolId: string, total: number, started: number): Promise<number> => {
    const inService = async (): Promise<number> => Number((await db.knex('servers').where({ state: 'active' }).count({ n: '*' }))[0]?.n ?? 0);
    const joined = (): number => sim.members(poolId).filter((m) => m.provisioningStatus === 'ACTIVE').length;
    while (joined() < total && Date.now() - started < GUARD_MS) {
        await sleep(20);
    }

    let n = await inService();
    while (n < total && Date.now() - started < GUARD_MS) {
        await sleep(5);
        n = await inService();
    }

    return n;
};

const membersRound = async (cs: ConvergeSettings, adminUrl: string, inFlight: number): Promise<MembersRound & { total: number }> => {
    const database = await postgresDatabase(adminUrl);
    const sim = await startSimulator({ demo: true, buildDelayMs: 0, memberDelayMs: 0 });
    const compute = guardedCompute(sim, { createBudget: OPEN_BUDGET });
    const url = database.host.kind === 'postgres' ? database.host.url : '';
    const db = openDatabase(url);
    const groupsCount = cs.membersGroups;
    try {
        const server = await mountPlugin(url, sim, compute, { concurrency: cs.concurrency, parallelGroups: PARALLEL_GROUPS, stormGuard: false, createBudget: OPEN_BUDGET },
            { serviceAccount: demoServiceAccount(sim) });
        try {
            const groups = await seedGroups(server, sim, groupsCount, groupsCount);
            const tenantId = groups[0]?.tenantId ?? '';
            const lb = sim.addLoadBalancer({ projectId: tenantId, vipSubnetId: DEMO.network.subnet.id }).id;
            const poolId = sim.addPool({ loadBalancerId: lb }).id;
            const perGroup = Math.ceil(cs.membersServers / groupsCount);
            const launch = {
                type: 'launch_server',
                args: { server: { name: 'bench', flavorRef: DEMO.flavors.tiny.id, imageRef: DEMO.image.id, networks: [{ uuid: DEMO.network.id }] }, loadBalancers: [{ poolId, port: 80 }] }
            };
            const policies = await Promise.all(groups.map(async (g) => {
                await inject(server, g.tenantId, 'PUT', `/groups/${g.groupId}/launch`, launch);
                const created = await inject(server, g.tenantId, 'POST', `/groups/${g.groupId}/policies`, [{ name: 'to-n', cooldown: 0, type: 'webhook', desiredCapacity: perGroup }]) as { policies: { id: string }[] };
                return { ...g, policyId: created.policies[0]?.id ?? '' };
            }));
            sim.clearRequests();

            const total = perGroup * groups.length;
            const started = Date.now();
            await Promise.all(policies.map((g) => inject(server, g.tenantId, 'POST', `/groups/${g.groupId}/policies/${g.policyId}/execute`)));
            const inService = await waitInService(sim, db, poolId, total, started);
            const pluginMs = Date.now() - started;
            const round = {
                total, pluginMs, inService,
                members: sim.members(poolId).filter((m) => m.provisioningStatus === 'ACTIVE').length,
                octaviaCalls: sim.requests.filter((r) => r.service === 'load-balancer').length,
                computeCalls: sim.requests.filter((r) => r.service === 'compute').length
            };
            const floorPool = sim.addPool({ loadBalancerId: lb }).id;
            const floor = await floorRun(sim, tenantId, floorPool, total, inFlight);
            return { ...round, floorMs: floor.ms, floorJoined: floor.joined };
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

export const membersRun = async (cs: ConvergeSettings, adminUrl: string): Promise<MembersRow> => {
    const inFlight = cs.concurrency * Math.min(cs.membersGroups, PARALLEL_GROUPS);
    const rounds: (MembersRound & { total: number })[] = [];
    for (let round = 0; round < ROUNDS; round++) {
        rounds.push(await membersRound(cs, adminUrl, inFlight));
    }

    return { servers: rounds[0]?.total ?? 0, groups: cs.membersGroups, inFlight, rounds };
};

const perS = (n: number, ms: number): number => n / (ms / 1000);

export const membersTable = (row: MembersRow): string[] => {
    const plugin = median(row.rounds.map((r) => perS(r.inService, r.pluginMs)));
    const floor = median(row.rounds.map((r) => perS(r.floorJoined, r.floorMs)));
    const last = row.rounds[row.rounds.length - 1];
    const per = (n: number): string => (n / Math.max(1, row.servers)).toFixed(2);
    return [
        '  servers  groups  in flight  plugin joined/s  floor joined/s  tput p/f  in service  members  Nova req/server  Octavia req/server',
        `  ${String(row.servers).padStart(7)}  ${String(row.groups).padStart(6)}  ${String(row.inFlight).padStart(9)}  ${plugin.toFixed(0).padStart(15)}  ` +
        `${floor.toFixed(0).padStart(14)}  ${(plugin / floor).toFixed(2).padStart(8)}  ${String(last?.inService ?? 0).padStart(10)}  ${String(last?.members ?? 0).padStart(7)}  ` +
        `${per(last?.computeCalls ?? 0).padStart(15)}  ${per(last?.octaviaCalls ?? 0).padStart(18)}`,
        `  (medians of ${row.rounds.length} rounds, each on a fresh database and simulator, the plugin then the floor; plugin joined/s: ` +
        `${row.rounds.map((r) => perS(r.inService, r.pluginMs).toFixed(0)).join(' ')}; floor: ${row.rounds.map((r) => perS(r.floorJoined, r.floorMs).toFixed(0)).join(' ')})`
    ];
};
