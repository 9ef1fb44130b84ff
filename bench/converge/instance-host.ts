// One plugin instance of a cluster in a process of its own (started by
// bench/converge/instances.ts, its config in BENCH_INSTANCE_CONFIG): Hapi with
// nova-autoscale mounted over the shared PostgreSQL database, Nova reached as
// the service account, so the guards are the plugin's own, with the cluster's
// budget. A process per instance: each has its own event loop and pool, as
// monitoring nodes would, and can be killed -9 alone.
import Hapi from '@hapi/hapi';
import { plugin } from '../../plugin';
import { benchValidator } from './rig';
import { INSTANCE_CONFIG_ENV, type InstanceCommand, type InstanceConfig, type InstanceEvent } from './instances';

const tell = (event: InstanceEvent): void => {
    process.send?.(event);
};

const main = async (): Promise<void> => {
    const raw = process.env[INSTANCE_CONFIG_ENV];
    if (!raw || !process.send) {
        throw new Error(`bench/converge/instance-host runs as a child of the bench (no ${INSTANCE_CONFIG_ENV} or IPC channel)`);
    }

    const config = JSON.parse(raw) as InstanceConfig;
    const server = Hapi.server({ host: '127.0.0.1', port: 0 });
    await server.register({
        plugin,
        options: {
            database: config.databaseUrl, migrate: false,
            // Customers' tokens are the bench's own (rig.ts); Nova is reached as the service account.
            openstack: { serviceAccount: config.serviceAccount, tokenValidator: benchValidator },
            converger: {
                concurrency: config.concurrency, parallelGroups: config.parallelGroups, createBudget: config.createBudget,
                stormGuard: config.stormGuard ? {} : false
            },
            cluster: { leaseTtlS: config.leaseTtlS },
            intervals: { convergeS: 300, buildTimeoutS: 600 },
            supervisor: { debounceMs: 0 }, alerts: { intervalMs: 0, pruneIntervalMs: 0 }, limits: { maxGroups: 100_000 }
        }
    }, { routes: { prefix: '/autoscale' } });
    await server.start();

    process.on('message', (command: InstanceCommand) => {
        if (command.type === 'stop') {
            server.stop({ timeout: 1000 }).then(() => process.disconnect(), (err: unknown) => tell({ type: 'failed', message: String(err) }));
        }
    });

    tell({ type: 'ready', port: Number(server.info.port), instanceId: server.plugins['nova-autoscale'].engine.instances.self });
};

main().catch((err: unknown) => {
    tell({ type: 'failed', message: String(err instanceof Error ? err.stack : err) });
    process.exitCode = 1;
    process.disconnect?.();
});
