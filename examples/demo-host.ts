// The demo monitoring host that `npm start` runs: a small Hapi server with
// nova-autoscale mounted at /autoscale, configured only from the environment
// (contract §1). With no OS_AUTH_URL/OS_CLOUD it brings its own Keystone +
// Nova simulator and prints a token for tenant `demo` and an operator's token.
// Its log (hapi-pino, examples/demo-logger.ts) is JSON lines on stdout; the
// banner it prints on start is not a log line.
import Hapi from '@hapi/hapi';
import type { DestinationStream, Level } from 'pino';
import { plugin, serviceAccountFromEnv, type ServiceAccount } from '../plugin';
import { adminProjectId, DEMO, demoImageId, demoNetworkId, demoPoolId, demoProjectId, demoServiceAccount, startSimulator, type Simulator } from '../simulator';
import { inEnvTerms, numericOptionsFromEnv } from './demo-env';
import { demoLogger, LOG_LEVELS } from './demo-logger';
import { monitoringApi } from './monitoring-api';

type Env = NodeJS.ProcessEnv;

interface Cloud {
    readonly serviceAccount: ServiceAccount;
    readonly simulator: Awaited<ReturnType<typeof startSimulator>> | null;
}

const cloudOf = async (env: Env): Promise<Cloud> => {
    const serviceAccount = serviceAccountFromEnv(env);
    if (serviceAccount) {
        if (serviceAccount.tls?.insecure === true) {
            console.warn('OS_INSECURE (allowed by AUTOSCALE_ALLOW_INSECURE_TLS): certificates toward OpenStack are not verified');
        }

        return { serviceAccount, simulator: null };
    }

    const simulator = await startSimulator({ demo: true, buildDelayMs: 2000 });
    return {
        simulator,
        serviceAccount: demoServiceAccount(simulator)
    };
};

// Where customer webhooks may go (contract §7): http and CIDRs let back in
// from the refused ranges; AUTOSCALE_WEBHOOK_ATTEMPT_TIMEOUT_MS shortens one
// attempt (the webhook kill -9 test does).
const flag = (name: string, value: string): boolean => {
    const word = value.trim().toLowerCase();
    if (word !== 'true' && word !== 'false') {
        throw new Error(`${name} must be true or false, not "${value}"`);
    }

    return word === 'true';
};

const webhooksFromEnv = (env: Env): { allowHttp?: boolean; allowCidrs?: string[] } => ({
    ...(env.AUTOSCALE_WEBHOOK_ALLOW_HTTP ? { allowHttp: flag('AUTOSCALE_WEBHOOK_ALLOW_HTTP', env.AUTOSCALE_WEBHOOK_ALLOW_HTTP) } : {}),
    ...(env.AUTOSCALE_WEBHOOK_ALLOW_CIDRS ? { allowCidrs: env.AUTOSCALE_WEBHOOK_ALLOW_CIDRS.split(',').map((c) => c.trim()).filter((c) => c !== '') } : {})
});

// The demo's own webhook receiver runs on this machine: with the simulator
// only, http to loopback is allowed; the environment's settings go over it,
// and against a real cloud only what the environment allows.
const demoWebhooks = (env: Env, simulated: boolean) => ({
    ...(simulated ? { allowHttp: true, allowCidrs: ['127.0.0.0/8', '::1/128'] } : {}),
    ...webhooksFromEnv(env)
});

// LOG_LEVEL: how much of the log is written (info unless set).
const logLevelOf = (env: Env): Level => {
    const level = (env.LOG_LEVEL || 'info').trim().toLowerCase();
    if (!LOG_LEVELS.includes(level as Level)) {
        throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not "${env.LOG_LEVEL ?? ''}"`);
    }

    return level as Level;
};

// `log`: where the JSON lines go (stdout unless given).
export const startDemoHost = async (env: Env = process.env, log?: DestinationStream) => {
    const numbers = numericOptionsFromEnv(env);     // a bad number stops the start before anything runs
    const level = logLevelOf(env);
    const cloud = await cloudOf(env);
    const server = Hapi.server({ host: env.HOST || '127.0.0.1', port: Number(env.PORT || 8080) });
    await server.register(demoLogger({ level, ...(log === undefined ? {} : { destination: log }) }));
    await server.register({
        plugin,
        options: {
            ...numbers,
            database: env.DATABASE_URL || { embedded: { dataDir: env.AUTOSCALE_DATA_DIR || './.data' } },
            openstack: { serviceAccount: cloud.serviceAccount },
            auth: { adminRole: env.AUTOSCALE_ADMIN_ROLE || 'admin', adminProject: env.AUTOSCALE_ADMIN_PROJECT || 'admin' },
            ...(env.AUTOSCALE_PUBLIC_URL ? { publicUrl: env.AUTOSCALE_PUBLIC_URL } : {}),
            ...(env.AUTOSCALE_METRICS_PUBLIC ? { metrics: { auth: !flag('AUTOSCALE_METRICS_PUBLIC', env.AUTOSCALE_METRICS_PUBLIC) } } : {}),
            webhooks: { ...demoWebhooks(env, cloud.simulator !== null), ...numbers.webhooks }
        }
    }, { routes: { prefix: '/autoscale' } }).catch(async (err: unknown) => {
        await cloud.simulator?.stop();
        throw inEnvTerms(err, env);
    });
    await server.register(monitoringApi); // the host's alert rules (contract §6), at /monitoring/v1
    server.events.on('stop', () => {
        void cloud.simulator?.stop();
    });
    await server.start();
    return { server, simulator: cloud.simulator };
};

const createGroupBody = {
    groupConfiguration: { name: 'web', cooldown: 60, minEntities: 1, maxEntities: 10 },
    launchConfiguration: { type: 'launch_server', args: { server: { name: 'web', flavorRef: '1', imageRef: demoImageId, networks: 'none' } } }
};

// A group whose servers join the pool (contract §7): on the shared network,
// since a member is the server's fixed IPv4 and port.
export const joinPoolBody = (poolId: string) => ({
    groupConfiguration: { name: 'web-lb', cooldown: 60, minEntities: 1, maxEntities: 10 },
    launchConfiguration: {
        type: 'launch_server',
        args: {
            server: { name: 'web-lb', flavorRef: '1', imageRef: demoImageId, networks: [{ uuid: demoNetworkId }] },
            loadBalancers: [{ poolId, port: 80 }]
        }
    }
});

// The demo tenant's pool, as the simulator holds it (seeded with the demo cloud).
const demoPool = (simulator: Simulator) => {
    const pool = simulator.pools(demoProjectId).find((p) => p.id === demoPoolId);
    if (!pool) {
        throw new Error(`the simulator has no pool ${demoPoolId} for tenant ${demoProjectId}`);
    }

    return pool;
};

// What the host prints on start: where it is, and with the simulator a token and a curl line to try.
export const demoInstructions = ({ server, simulator }: Awaited<ReturnType<typeof startDemoHost>>): string[] => {
    const base = `${server.info.uri}/autoscale`;
    const lines = [`nova-autoscale demo host listening on ${server.info.uri}`, `health: curl ${base}/health`];
    if (simulator) {
        const token = simulator.issueToken({ userName: DEMO.customer.name, projectId: demoProjectId, expiresInS: 7 * 24 * 3600 });
        // The admin role counts only on the admin project (contract §2): the operator's token is scoped there.
        const adminToken = simulator.issueToken({ userName: DEMO.operator.name, projectId: adminProjectId, expiresInS: 7 * 24 * 3600 });
        lines.push(
            `OpenStack: built-in simulator (Keystone ${simulator.authUrl})`,
            `token for tenant ${demoProjectId}: ${token}`,
            'create a group:',
            `curl -s -X POST ${base}/v1.0/${demoProjectId}/groups -H 'X-Auth-Token: ${token}' -H 'Content-Type: application/json' -d '${JSON.stringify(createGroupBody)}'`,
            `admin token (role admin on project ${DEMO.adminProject.name}), for the admin routes:`,
            `curl -s ${base}/admin/kill-switches -H 'X-Auth-Token: ${adminToken}'`,
            `operator page (sign in with the admin token): ${base}/admin/ui`
        );
        const pool = demoPool(simulator);
        lines.push(
            `load balancer ${DEMO.loadBalancer.name} (${pool.loadBalancerId}), HTTP on port ${DEMO.loadBalancer.listener.protocolPort}: pool ${pool.name} ${pool.id}`,
            'create a group whose servers join that pool:',
            `curl -s -X POST ${base}/v1.0/${demoProjectId}/groups -H 'X-Auth-Token: ${token}' -H 'Content-Type: application/json' -d '${JSON.stringify(joinPoolBody(pool.id))}'`
        );
    }

    return lines;
};

const main = async (): Promise<void> => {
    const host = await startDemoHost();
    const { server } = host;
    console.log(demoInstructions(host).join('\n'));

    const stop = (signal: string) => {
        console.log(`${signal}: draining`);
        server.stop({ timeout: 10_000 }).then(() => process.exit(0), (err: unknown) => {
            console.error(err);
            process.exit(1);
        });
    };

    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
};

if (require.main === module) {
    main().catch((err: unknown) => {
        console.error(err);
        process.exit(1);
    });
}
