// The steady-state sweep (issue 5 item 8, third bullet): G groups with S
// servers each, converged already (groups and ledger rows inserted in bulk with
// knex, the same servers put in the simulator out of band with our metadata,
// ACTIVE), spread over tenant projects. The simulator runs in a process of its
// own (bench/converge/sim-process.ts), as Nova would: the plugin's thread is its own. Timed: one full sweepOnce() (nothing to
// do), against the floor: the listing calls alone that see every server (each
// project listed once through the same GuardedCompute, so the same undici pool
// and tokens, one at a time). Counted: the compute
// requests the sweep sent, by kind, and the process RSS after it.
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../adapters/store/database';
import { groupMetadataKey, intentMetadataKey, serverNameSuffix } from '../../core/model/ledger';
import { DEMO, type RequestLogEntry } from '../../simulator';
import type { ConvergeSettings } from './settings';
import { guardedCompute, mountPlugin } from './rig';
import { postgresDatabase } from '../shared/databases';
import { startSimProcess, type SimProcess } from './sim-process';

export interface SweepRequests {
    readonly listings: number;          // GET /servers/detail (pages)
    readonly perServer: number;         // GET /servers/{id}, DELETE /servers/{id}, POST /servers, server actions
    readonly otherCompute: number;      // any other compute call
    readonly identity: number;          // Keystone (token issue / validation)
}

export interface SweepRow {
    readonly groups: number;
    readonly serversPerGroup: number;
    readonly groupsPerTenant: number;
    readonly swept: number;             // groups sweepOnce() looked at (its batch may cap it)
    readonly outcomes: Readonly<Record<string, number>>;
    readonly sweepMs: number;
    readonly floorMs: number;
    readonly floorListings: number;     // GET /servers/detail the floor sent
    readonly projectsListed: number;    // distinct projects among the swept groups
    readonly requests: SweepRequests;
    readonly rssMb: number;             // process RSS right after the sweep (this process holds the simulator too)
    readonly seedMs: number;
}

interface Seeded {
    readonly tenantOf: ReadonlyMap<string, string>;   // group id -> tenant project
}

const CHUNK = 1000;

const launch = { type: 'launch_server', args: { server: { name: 'bench', flavorRef: DEMO.flavors.tiny.id, imageRef: DEMO.image.id, networks: 'none' } } };

const chunks = <T>(items: readonly T[], size: number): T[][] =>
    Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

// Projects, servers in the simulator (over /_sim, in bulk), then tenants, groups and ledger rows in bulk.
const seed = async (sim: SimProcess, knex: ReturnType<typeof openDatabase>['knex'], cs: ConvergeSettings): Promise<Seeded> => {
    const now = new Date();
    const since = new Date(now.getTime() - 3_600_000);
    const tenants = Array.from({ length: Math.ceil(cs.sweepGroups / cs.groupsPerTenant) }, () => `s${randomUUID().replace(/-/g, '').slice(0, 12)}`);
    for (const id of tenants) {
        await sim.control('POST', '/projects', { id, name: id });
        await sim.control('POST', '/grants', { userName: DEMO.serviceUser.name, projectId: id, role: 'admin' });
    }

    const tenantOf = new Map<string, string>();
    const groups: Record<string, unknown>[] = [];
    const ledger: { intent_id: string; group_id: string; server_id: string | null; state: string; created_at: Date; updated_at: Date }[] = [];
    const servers: { projectId: string; name: string; status: string; metadata: Record<string, string> }[] = [];
    for (let i = 0; i < cs.sweepGroups; i++) {
        const groupId = randomUUID();
        const tenantId = tenants[Math.floor(i / cs.groupsPerTenant)] ?? '';
        tenantOf.set(groupId, tenantId);
        groups.push({
            id: groupId, tenant_id: tenantId, name: `sweep-${i}`, cooldown: 0, min_entities: 0, max_entities: 1000,
            metadata: JSON.stringify({}), launch: JSON.stringify(launch), desired: cs.sweepServers, created_at: since, updated_at: since
        });
        for (let j = 0; j < cs.sweepServers; j++) {
            const intentId = randomUUID();
            servers.push({ projectId: tenantId, name: `bench${serverNameSuffix(intentId)}`, status: 'ACTIVE', metadata: { [groupMetadataKey]: groupId, [intentMetadataKey]: intentId } });
            ledger.push({ intent_id: intentId, group_id: groupId, server_id: null, state: 'active', created_at: since, updated_at: since });
        }
    }

    let at = 0;
    for (const batch of chunks(servers, 5000)) {
        const { ids } = await sim.control<{ ids: string[] }>('POST', '/servers/bulk', { servers: batch });
        ids.forEach((id) => {
            const row = ledger[at++];
            if (row) {
                row.server_id = id;
            }
        });
    }

    const counts = new Map<string, number>();
    tenantOf.forEach((t) => counts.set(t, (counts.get(t) ?? 0) + 1));
    await knex.batchInsert('tenants', [...counts].map(([id, n]) => ({ id, group_count: n })), CHUNK);
    await knex.batchInsert('groups', groups, CHUNK);
    await knex.batchInsert('servers', ledger, CHUNK);
    await knex.raw('ANALYZE');
    return { tenantOf };
};

const PER_SERVER = /^\/servers\/(?!detail$)[^/]+(\/action)?$/;

const countRequests = (log: readonly RequestLogEntry[]): SweepRequests => {
    let listings = 0;
    let perServer = 0;
    let otherCompute = 0;
    let identity = 0;
    for (const r of log) {
        if (r.service !== 'compute') {
            identity++;
        }
        else if (r.method === 'GET' && r.path === '/servers/detail') {
            listings++;
        }
        else if ((r.method === 'POST' && r.path === '/servers') || PER_SERVER.test(r.path)) {
            perServer++;
        }
        else {
            otherCompute++;
        }
    }

    return { listings, perServer, otherCompute, identity };
};

export const sweepRun = async (cs: ConvergeSettings, adminUrl: string): Promise<SweepRow> => {
    const database = await postgresDatabase(adminUrl);
    const sim = await startSimProcess();
    const compute = guardedCompute(sim);
    const url = database.host.kind === 'postgres' ? database.host.url : '';
    const db = openDatabase(url);
    try {
        const seedStarted = Date.now();
        const { tenantOf } = await seed(sim, db.knex, cs);
        const seedMs = Date.now() - seedStarted;
        const server = await mountPlugin(url, sim, compute, { recheckMs: 0, concurrency: cs.concurrency });
        try {
            // Warm-up, untimed: a token per project and the pool's connections, for both runs alike.
            const projects = [...new Set(tenantOf.values())];
            for (const projectId of projects) {
                await compute.listServers({ projectId, region: sim.region });
            }

            global.gc?.();
            await sim.clearRequests();
            const api = server.plugins['nova-autoscale'];
            const started = Date.now();
            const results = await api.sweepOnce();
            const sweepMs = Date.now() - started;
            const rssMb = process.memoryUsage().rss / 1024 / 1024;
            const requests = countRequests(await sim.requests());
            const outcomes: Record<string, number> = {};
            results.forEach((r) => { outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1; });

            // The floor: the listings that see every server, each project once, in the sweep's (project) order, one at a time.
            await sim.clearRequests();
            const floorStarted = Date.now();
            for (const projectId of [...new Set([...tenantOf.values()])].sort()) {
                await compute.listServers({ projectId, region: sim.region });
            }

            const floorMs = Date.now() - floorStarted;
            const floorListings = countRequests(await sim.requests()).listings;
            return {
                groups: cs.sweepGroups, serversPerGroup: cs.sweepServers, groupsPerTenant: cs.groupsPerTenant, swept: results.length, outcomes,
                sweepMs, floorMs, floorListings, projectsListed: new Set(results.map((r) => tenantOf.get(r.groupId))).size, requests, rssMb, seedMs
            };
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
