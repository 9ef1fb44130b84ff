// A server host, one child process per server under test (floor or plugin),
// so the load client and the simulator never share its event loop and its
// RSS is its own. Started by bench/index.ts (api/hosts.ts forks it) with HostConfig in BENCH_HOST_CONFIG.
import type { Server } from '@hapi/hapi';
import type { Knex } from 'knex';
import { migrateLatest, openDatabase, type Database } from '../../adapters/store/database';
import { apiServer } from './plugin-server';
import { floorServer } from './floor-server';
import { HOST_CONFIG_ENV, type HostCommand, type HostConfig, type HostEvent } from '../shared/protocol';

const tell = (event: HostEvent): void => {
    process.send?.(event);
};

const configOf = (): HostConfig => {
    const raw = process.env[HOST_CONFIG_ENV];
    if (!raw || !process.send) {
        throw new Error(`bench/api/host runs as a child of bench/index (no ${HOST_CONFIG_ENV} or IPC channel)`);
    }

    return JSON.parse(raw) as HostConfig;
};

// Each create run starts from a tenant with no groups, so rounds compare like with like.
const reset = async (knex: Knex, tenantId: string): Promise<number> => {
    const [{ n }] = await knex('groups').where({ tenant_id: tenantId }).count({ n: '*' });
    await knex('groups').where({ tenant_id: tenantId }).delete();
    await knex.raw('VACUUM ANALYZE groups, tenants');
    return Number(n);
};

const main = async (): Promise<void> => {
    const config = configOf();
    const db: Database = openDatabase(config.database.kind === 'postgres' ? config.database.url : { embedded: {} });
    if (config.database.kind === 'pglite') {
        await migrateLatest(db.knex);
    }

    let server: Server;
    if (config.role === 'plugin') {
        if (!config.serviceAccount) {
            throw new Error('the plugin host needs a service account');
        }

        server = await apiServer(db.knex, config.serviceAccount);
    }
    else {
        server = await floorServer(db.knex, config.tenantId);
    }

    await server.start();

    process.on('message', (command: HostCommand) => {
        const answer = async (): Promise<void> => {
            switch (command.type) {
                case 'reset':
                    tell({ type: 'reset-done', groupsBefore: await reset(db.knex, config.tenantId) });
                    return;
                case 'usage': {
                    const memory = process.memoryUsage();
                    const resources = process.resourceUsage();
                    tell({
                        type: 'usage',
                        usage: { rssBytes: memory.rss, maxRssBytes: resources.maxRSS * 1024, heapUsedBytes: memory.heapUsed, cpuMicros: resources.userCPUTime + resources.systemCPUTime }
                    });
                    return;
                }

                case 'stop':
                    await server.stop({ timeout: 1000 });
                    await db.close();
                    process.disconnect();
                    return;
            }
        };

        answer().catch((err: unknown) => tell({ type: 'failed', message: String(err instanceof Error ? err.stack : err) }));
    });

    const port = server.info.port;
    if (typeof port !== 'number') {
        throw new Error(`the server listens on no numeric port (${String(port)})`);
    }

    tell({ type: 'ready', port });
};

main().catch((err: unknown) => {
    tell({ type: 'failed', message: String(err instanceof Error ? err.stack : err) });
    process.exitCode = 1;
    process.disconnect?.();
});
