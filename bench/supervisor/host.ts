// A webhook-side server in its own process (started by supervisor/hosts.ts):
// the plugin, whose capability URLs run the supervisor's transaction, or the
// floor, a bare Hapi route answering 202 after one INSERT into activity.
import Hapi from '@hapi/hapi';
import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { migrateLatest, openDatabase } from '../../adapters/store/database';
import { BENCH_TENANT, floorInsert, seedGroups, supervisorPlugin } from './seed';
import { SUPERVISOR_HOST_ENV, type SupervisorCommand, type SupervisorEvent, type SupervisorHostConfig } from './hosts';

const tell = (event: SupervisorEvent): void => {
    process.send?.(event);
};

// The floor's groups: bare rows, only so that its INSERTs satisfy activity's foreign key.
const floorGroups = async (knex: Knex, count: number): Promise<string[]> => {
    const tenant = `${BENCH_TENANT}-floor`;
    await knex.raw('INSERT INTO tenants (id, created_at) VALUES (?, now()) ON CONFLICT (id) DO NOTHING', [tenant]);
    const now = new Date();
    const ids = Array.from({ length: count }, () => randomUUID());
    await knex('groups').insert(ids.map((id) => ({
        id, tenant_id: tenant, name: 'floor', cooldown: 0, min_entities: 0, max_entities: 1000, metadata: '{}', launch: '{}', desired: 0, created_at: now, updated_at: now
    })));
    return ids;
};

const floorServer = (knex: Knex): Hapi.Server => {
    const server = Hapi.server({ host: '127.0.0.1', port: 0 });
    let i = 0;
    server.route({
        method: 'POST',
        path: '/autoscale/v1.0/execute/1/{groupId}/',
        options: { payload: { parse: false, output: 'data', maxBytes: 1024 * 1024 } },
        handler: async (request, h) => {
            await floorInsert(knex, String(request.params.groupId), i++);
            return h.response().code(202);
        }
    });
    return server;
};

const main = async (): Promise<void> => {
    const raw = process.env[SUPERVISOR_HOST_ENV];
    if (!raw || !process.send) {
        throw new Error(`bench/supervisor/host runs as a child of the bench (no ${SUPERVISOR_HOST_ENV} or IPC channel)`);
    }

    const config = JSON.parse(raw) as SupervisorHostConfig;
    const db = openDatabase(config.database.kind === 'postgres' ? config.database.url : { embedded: {} });
    if (config.database.kind === 'pglite') {
        await migrateLatest(db.knex);
    }

    let server: Hapi.Server;
    let paths: string[];
    if (config.role === 'plugin') {
        server = await supervisorPlugin(db.knex, true);
        paths = (await seedGroups(server, config.groups)).map((g) => g.capabilityPath);
    }
    else {
        server = floorServer(db.knex);
        paths = (await floorGroups(db.knex, config.groups)).map((id) => `/autoscale/v1.0/execute/1/${id}/`);
    }

    await server.start();
    process.on('message', (command: SupervisorCommand) => {
        const answer = async (): Promise<void> => {
            if (command.type === 'usage') {
                const memory = process.memoryUsage();
                const resources = process.resourceUsage();
                tell({
                    type: 'usage',
                    usage: { rssBytes: memory.rss, maxRssBytes: resources.maxRSS * 1024, heapUsedBytes: memory.heapUsed, cpuMicros: resources.userCPUTime + resources.systemCPUTime }
                });
                return;
            }

            await server.stop({ timeout: 1000 });
            await db.close();
            process.disconnect();
        };
        answer().catch((err: unknown) => tell({ type: 'failed', message: String(err instanceof Error ? err.stack : err) }));
    });

    tell({ type: 'ready', port: Number(server.info.port), paths });
};

main().catch((err: unknown) => {
    tell({ type: 'failed', message: String(err instanceof Error ? err.stack : err) });
    process.exitCode = 1;
    process.disconnect?.();
});
