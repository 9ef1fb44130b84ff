// Where the time-to-in-service bench builds its servers: the simulator in a
// process of its own with Nova's build delay, or, when OS_AUTH_URL (or
// OS_CLOUD) is set, the real OpenStack those name, as the integration tests
// read it (test/integration/real-openstack*.ts): the service account from the
// OS_* variables, a customer (REAL_OS_CUSTOMER_*, default alice of tenant-a)
// whose token writes the group, m1.tiny and the image tiny-raw.
import { request } from 'undici';
import { KeystoneSession } from '../../adapters/keystone/session';
import { serviceAccountFromEnv, type ServiceAccount } from '../../adapters/keystone/service-account';
import { DEMO, demoProjectId, demoServiceAccount } from '../../simulator';
import { startSimProcess } from '../converge/sim-process';

export interface Cloud {
    readonly label: string;
    readonly account: ServiceAccount;    // the plugin's, and the floor's
    readonly tenantId: string;
    readonly customerToken: () => Promise<string>;
    readonly server: Readonly<Record<string, unknown>>;   // the launch configuration's args.server
    stop(): Promise<void>;
}

const customerSession = (authUrl: string, project: { projectId: string } | { projectName: string }, env: NodeJS.ProcessEnv): KeystoneSession => new KeystoneSession({
    authUrl, username: env.REAL_OS_CUSTOMER_USER ?? DEMO.customer.name, password: env.REAL_OS_CUSTOMER_PASSWORD ?? DEMO.customer.password,
    userDomainName: env.REAL_OS_CUSTOMER_DOMAIN ?? DEMO.domain, ...project, projectDomainName: env.REAL_OS_CUSTOMER_DOMAIN ?? DEMO.domain, interface: 'public'
});

export const simulatorCloud = async (buildDelayMs: number): Promise<Cloud> => {
    const sim = await startSimProcess({ buildDelayMs });
    const customer = customerSession(sim.authUrl, { projectId: demoProjectId }, {});
    return {
        label: `simulator in its own process, build delay ${buildDelayMs / 1000} s`,
        account: demoServiceAccount(sim),
        tenantId: demoProjectId,
        customerToken: async () => (await customer.token()).value,
        server: { name: 'in-service', flavorRef: DEMO.flavors.tiny.id, imageRef: DEMO.image.id, networks: 'none' },
        stop: () => sim.stop()
    };
};

// A name's id through the customer's own token, as the integration test finds them.
const lookup = async (session: KeystoneSession, serviceType: string, path: string): Promise<unknown> => {
    const base = await session.endpoint(serviceType);
    const { value } = await session.token();
    const res = await request(`${base}${path}`, { headers: { 'x-auth-token': value, accept: 'application/json' } });
    if (res.statusCode !== 200) {
        throw new Error(`GET ${serviceType} ${path} → ${res.statusCode} ${(await res.body.text()).slice(0, 200)}`);
    }

    return res.body.json();
};

// null when no OS_AUTH_URL / OS_CLOUD says where a cloud is.
export const realCloud = async (env: NodeJS.ProcessEnv): Promise<Cloud | null> => {
    const account = serviceAccountFromEnv(env);
    if (!account) {
        return null;
    }

    const customer = customerSession(account.authUrl, { projectName: env.REAL_OS_CUSTOMER_PROJECT ?? 'tenant-a' }, env);
    const token = await customer.token();
    const flavors = await lookup(customer, 'compute', '/flavors') as { flavors: { id: string; name: string }[] };
    const images = await lookup(customer, 'image', `/v2/images?name=${encodeURIComponent(env.BENCH_OS_IMAGE ?? 'tiny-raw')}`) as { images: { id: string }[] };
    const flavorName = env.BENCH_OS_FLAVOR ?? 'm1.tiny';
    const flavorRef = flavors.flavors.find((f) => f.name === flavorName)?.id;
    const imageRef = images.images[0]?.id;
    if (!flavorRef || !imageRef || !token.projectId) {
        throw new Error(`the real cloud lacks flavor ${flavorName}, the image or the customer's project`);
    }

    return {
        label: `real OpenStack at ${account.authUrl}, project ${token.projectId}`,
        account,
        tenantId: token.projectId,
        customerToken: async () => (await customer.token()).value,
        server: { name: 'in-service', flavorRef, imageRef, networks: 'none' },
        stop: () => Promise.resolve()
    };
};
