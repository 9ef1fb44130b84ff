// A Keystone v3 + Nova simulator, with the read side of Glance and Neutron and
// Octavia's load-balancer members: a real HTTP server on loopback for tests,
// benchmarks and the demo. See model/types.ts for the shapes and control/faults.ts for faults.
import { SimAdmin } from './control/admin';
import type { FaultList } from './control/faults';
import { seedDemo } from './demo';
import { listen } from './server';
import { SimState } from './model/state';
import type {
    FlavorSpec, ImageSpec, ListenerSpec, LoadBalancerSpec, Named, NetworkSpec, OutOfBandServerSpec, PoolMemberSpec, PoolSpec, ProjectSpec,
    ProvisioningStatus, RequestLogEntry, RoleChange, SecurityGroupSpec, ServerStatus, SimFlavor, SimImage, SimLoadBalancer, SimMember, SimNetwork,
    SimPool, SimSecurityGroup, SimServer, SimulatorOptions, TokenSpec, UserSpec
} from './model/types';

export type * from './model/types';
export {
    adminProjectId, DEMO, demoFlavorId, demoImageId, demoLoadBalancerId, demoNetworkId, demoPoolId, demoProjectId, demoServiceAccount, demoSubnetId,
    seedDemo, serviceProjectId, type DemoIds
} from './demo';
export { SimInputError } from './model/sim-error';
export { MAX_VERSION } from './nova/microversion';
export type { FaultHandle, OutageOptions } from './control/faults';

export type SimFaults = Pick<FaultList, 'add' | 'remove' | 'clear' | 'outage' | 'list'>;

export interface Simulator {
    readonly port: number;
    readonly origin: string;         // http://127.0.0.1:PORT
    readonly authUrl: string;        // OS_AUTH_URL
    readonly computeUrl: string;
    readonly imageUrl: string;       // Glance's root (the catalog's URL): /v2/images below it
    readonly networkUrl: string;     // Neutron's root (the catalog's URL): /v2.0/networks below it
    readonly loadBalancerUrl: string; // Octavia's root (the catalog's URL): /v2/lbaas below it
    readonly controlUrl: string;     // /_sim
    readonly region: string;
    readonly faults: SimFaults;
    readonly requests: readonly RequestLogEntry[];
    clearRequests(): void;
    addProject(spec: ProjectSpec): Named;
    addUser(spec: UserSpec): Named;
    deleteUser(name: string, domain?: string): boolean;
    grantRole(grant: RoleChange): void;
    revokeRole(grant: RoleChange): boolean;
    issueToken(spec: TokenSpec): string;
    // Every token Keystone has issued (by password or issueToken), for a test that looks for them where they must not be.
    issuedTokens(): readonly string[];
    revokeToken(token: string): boolean;
    servers(projectId?: string): readonly SimServer[];
    addServer(projectId: string, spec: OutOfBandServerSpec): SimServer;
    deleteServerOutOfBand(id: string): boolean;
    setServerStatus(id: string, status: ServerStatus): boolean;
    addFlavor(spec: FlavorSpec): Named;
    flavors(): readonly SimFlavor[];
    addImage(spec: ImageSpec): Named;
    images(): readonly SimImage[];
    addNetwork(spec: NetworkSpec): Named;
    networks(projectId?: string): readonly SimNetwork[];
    addSecurityGroup(spec: SecurityGroupSpec): Named;
    securityGroups(projectId?: string): readonly SimSecurityGroup[];
    setQuota(projectId: string, instances: number | null): void;
    addLoadBalancer(spec: LoadBalancerSpec): Named;
    addListener(spec: ListenerSpec): Named;
    addPool(spec: PoolSpec): Named;
    addMember(spec: PoolMemberSpec): SimMember;
    loadBalancers(projectId?: string): readonly SimLoadBalancer[];
    pools(projectId?: string): readonly SimPool[];
    members(poolId: string): readonly SimMember[];
    setLoadBalancerStatus(id: string, status: ProvisioningStatus | null): boolean;
    setPoolStatus(id: string, status: ProvisioningStatus | null): boolean;
    stop(): Promise<void>;
}

export const startSimulator = async (options: SimulatorOptions = {}): Promise<Simulator> => {
    const state = new SimState({
        region: options.region ?? 'RegionOne',
        buildDelayMs: options.buildDelayMs ?? 0,
        deleteDelayMs: options.deleteDelayMs ?? 0,
        memberDelayMs: options.memberDelayMs ?? 0,
        tokenTtlS: options.tokenTtlS ?? 3600,
        now: options.now ?? (() => new Date()),
        services: { image: options.services?.image ?? true, network: options.services?.network ?? true, loadBalancer: options.services?.loadBalancer ?? true }
    });
    const admin = new SimAdmin(state);
    const server = await listen(state, admin, options.port ?? 0, options.tls);
    const origin = `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${server.port}`;
    state.endpoints = {
        origin, authUrl: `${origin}/identity/v3`, computeUrl: `${origin}/compute/v2.1`, imageUrl: `${origin}/image`, networkUrl: `${origin}/networking`,
        loadBalancerUrl: `${origin}/load-balancer`
    };

    const sim: Simulator = {
        port: server.port,
        origin,
        authUrl: state.endpoints.authUrl,
        computeUrl: state.endpoints.computeUrl,
        imageUrl: state.endpoints.imageUrl,
        networkUrl: state.endpoints.networkUrl,
        loadBalancerUrl: state.endpoints.loadBalancerUrl,
        controlUrl: `${origin}/_sim`,
        region: state.config.region,
        faults: state.faults,
        requests: state.requests,
        clearRequests: () => {
            state.requests.length = 0;
        },
        addProject: (spec) => admin.addProject(spec),
        addUser: (spec) => admin.addUser(spec),
        deleteUser: (name, domain) => admin.deleteUser(name, domain),
        grantRole: (grant) => admin.grantRole(grant),
        revokeRole: (grant) => admin.revokeRole(grant),
        issueToken: (spec) => admin.issueToken(spec),
        issuedTokens: () => state.tokens.ids(),
        revokeToken: (token) => admin.revokeToken(token),
        servers: (projectId) => admin.servers(projectId),
        addServer: (projectId, spec) => admin.addServer(projectId, spec),
        deleteServerOutOfBand: (id) => admin.deleteServerOutOfBand(id),
        setServerStatus: (id, status) => admin.setServerStatus(id, status),
        addFlavor: (spec) => admin.addFlavor(spec),
        flavors: () => admin.flavors(),
        addImage: (spec) => admin.addImage(spec),
        images: () => admin.images(),
        addNetwork: (spec) => admin.addNetwork(spec),
        networks: (projectId) => admin.networks(projectId),
        addSecurityGroup: (spec) => admin.addSecurityGroup(spec),
        securityGroups: (projectId) => admin.securityGroups(projectId),
        setQuota: (projectId, instances) => admin.setQuota(projectId, instances),
        addLoadBalancer: (spec) => admin.addLoadBalancer(spec),
        addListener: (spec) => admin.addListener(spec),
        addPool: (spec) => admin.addPool(spec),
        addMember: (spec) => admin.addMember(spec),
        loadBalancers: (projectId) => admin.loadBalancers(projectId),
        pools: (projectId) => admin.pools(projectId),
        members: (poolId) => admin.members(poolId),
        setLoadBalancerStatus: (id, status) => admin.setLoadBalancerStatus(id, status),
        setPoolStatus: (id, status) => admin.setPoolStatus(id, status),
        stop: () => server.close()
    };

    if (options.demo) {
        seedDemo(sim);
    }

    return sim;
};
