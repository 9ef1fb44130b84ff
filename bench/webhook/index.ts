// Webhook deliveries (contract §7): 1,000 deliveries across 100 groups to a
// receiver on loopback, through the plugin's outbox and delivery loop (each
// delivery written, claimed, signed, sent, and its stage ended in the
// database), against a floor measured in the same run: bare undici POSTs of
// the same body to the same receiver, as many in flight as the loop sends at
// once. Target: the loop at >= 0.8 of the floor's throughput.
import Hapi from '@hapi/hapi';
import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { plugin } from '../../plugin';
import { databaseFor, type BenchDatabase } from '../shared/databases';
import { median } from '../shared/stats';
import type { BenchSettings } from '../shared/settings';
import { openDatabase } from '../../adapters/store/database';

const GROUPS = 100;
const PER_GROUP = 10;
const CONCURRENCY = 20;
const ROUNDS = 3;
export const FLOOR_SHARE = 0.8;


const startReceiver = async (): Promise<{ server: Server; url: string }> => {
    const server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end('{"result":"continue"}');
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` };
};

// 100 groups of 10 servers, each joining with its webhook stage running: what the converger leaves after a join.
const seed = async (knex: Knex, url: string): Promise<string> => {
    const tenant = `bench-${randomUUID().slice(0, 8)}`;
    const now = new Date();
    await knex('tenants').insert({ id: tenant });
    const workflow = JSON.stringify({ type: 'webhook', url, secret: 'whsec_bench_0123456789', timeoutS: 300, defaultResult: 'abandon', events: ['launch'], callbackRoot: 'https://bench.example/autoscale/v1.0' });
    for (let g = 0; g < GROUPS; g++) {
        const groupId = randomUUID();
        await knex('groups').insert({ id: groupId, tenant_id: tenant, name: `g${g}`, cooldown: 0, min_entities: 0, metadata: '{}', launch: '{}', desired: PER_GROUP, workflow, created_at: now, updated_at: now });
        const servers = Array.from({ length: PER_GROUP }, () => ({ intent_id: randomUUID(), group_id: groupId, server_id: randomUUID(), state: 'joining', leaves: false, created_at: now, updated_at: now }));
        await knex('servers').insert(servers);
        await knex('server_workflows').insert(servers.map((s) => ({
            intent_id: s.intent_id, event: 'launch', group_id: groupId, workflow, stages: '["customer"]', then_stages: '[]', started_at: now, stage_started_at: now
        })));
    }

    return tenant;
};

const pluginRun = async (database: BenchDatabase, url: string): Promise<number> => {
    const db = openDatabase(database.host.kind === 'postgres' ? database.host.url : { embedded: {} });
    const server = Hapi.server();
    await server.register({
        plugin,
        options: {
            database: { knex: db.knex },
            openstack: { tokenValidator: { validate: () => Promise.reject(new Error('no tokens here')) } },
            webhooks: { allowHttp: true, allowCidrs: ['127.0.0.1/32'], intervalMs: 0, batch: GROUPS * PER_GROUP, concurrency: CONCURRENCY },
            workflowRunner: { intervalMs: 0 }, alerts: { intervalMs: 0, pruneIntervalMs: 0 }
        }
    }, { routes: { prefix: '/autoscale' } });
    await server.initialize();
    try {
        const tenant = await seed(db.knex, url);
        const engine = server.plugins['nova-autoscale'].engine;
        const started = performance.now();
        let sent = 0;
        while (sent < GROUPS * PER_GROUP) {
            sent += (await engine.webhooks.runOnce()).sent;
        }

        const ms = performance.now() - started;
        const done = await db.knex('servers').whereIn('group_id', db.knex('groups').where({ tenant_id: tenant }).select('id')).where({ state: 'active' }).count({ n: '*' });
        if (Number(done[0]?.n) !== GROUPS * PER_GROUP) {
            throw new Error(`only ${String(done[0]?.n)} servers in service after the run`);
        }

        return (GROUPS * PER_GROUP) / (ms / 1000);
    }
    finally {
        await server.stop();
        await db.close();
    }
};

// The same number of POSTs of a body of the same size, CONCURRENCY at a time, keep-alive (undici's global dispatcher).
const floorRun = async (url: string): Promise<number> => {
    const body = JSON.stringify({ event: 'launch', deliveryId: randomUUID(), tenantId: 't', groupId: randomUUID(), server: { id: randomUUID(), name: null, addresses: {}, metadata: {} }, deadline: new Date().toISOString(), callbackUrl: `https://bench.example/autoscale/v1.0/workflow/1/${'a'.repeat(64)}` });
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < GROUPS * PER_GROUP) {
            next++;
            const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
            await res.body.text();
        }
    }));
    return (GROUPS * PER_GROUP) / ((performance.now() - started) / 1000);
};

export const webhookBench = async (settings: BenchSettings): Promise<string[]> => {
    const lines = [`webhook deliveries: ${GROUPS * PER_GROUP} across ${GROUPS} groups to a receiver on loopback, ${CONCURRENCY} in flight; ` +
        `floor: bare undici POSTs of the same body, same concurrency, same run (target: >= ${FLOOR_SHARE} of the floor's rate)`];
    const receiver = await startReceiver();
    try {
        for (const kind of settings.backends) {
            const database = await databaseFor(kind, settings.postgresAdminUrl, 'webhook bench');
            if (!database) {
                continue;
            }

            try {
                // Floor and loop alternate, medians of ROUNDS each: one sample of either swings with the machine's load.
                const floors: number[] = [];
                const loops: number[] = [];
                for (let round = 0; round < ROUNDS; round++) {
                    floors.push(await floorRun(receiver.url));
                    loops.push(await pluginRun(database, receiver.url));
                }

                const [floor, loop] = [median(floors), median(loops)];
                lines.push(`  ${kind.padEnd(8)} loop ${loop.toFixed(0)}/s, floor ${floor.toFixed(0)}/s (medians of ${ROUNDS}): ${(loop / floor).toFixed(2)} of the floor` +
                    `${loop / floor >= FLOOR_SHARE ? '' : ` (< ${FLOOR_SHARE})`}; runs, loop: ${loops.map((x) => x.toFixed(0)).join(' ')}; floor: ${floors.map((x) => x.toFixed(0)).join(' ')}`);
            }
            finally {
                await database.drop();
            }
        }
    }
    finally {
        receiver.server.closeAllConnections();
        await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
    }

    return lines;
};
