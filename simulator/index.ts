// A Keystone v3 + Nova simulator: a real HTTP server on loopback for tests,
// benchmarks and the demo. See model/types.ts for the shapes and control/faults.ts for faults.
import { SimAdmin } from './control/admin';
import type { FaultList } from './control/faults';
import { seedDemo } from './demo';
import { listen } from './server';
import { SimState } from './model/state';
import type {
    FlavorSpec, ImageSpec, Named, OutOfBandServerSpec, ProjectSpec, RequestLogEntry, RoleChange, ServerStatus, SimServer, SimulatorOptions, TokenSpec, UserSpec
} from './model/types';

export type * from './model/types';
export { adminProjectId, DEMO, demoFlavorId, demoImageId, demoProjectId, demoServiceAccount, seedDemo, serviceProjectId, type DemoIds } from './demo';
export { SimInputError } from './model/sim-error';
export { MAX_VERSION } from './nova/microversion';
export type { FaultHandle } from './control/faults';

export type SimFaults = Pick<FaultList, 'add' | 'remove' | 'clear' | 'outage' | 'list'>;

export interface Simulator {
    readonly port: number;
    readonly origin: string;         // http://127.0.0.1:PORT
    readonly authUrl: string;        // OS_AUTH_URL
    readonly computeUrl: string;
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
    revokeToken(token: string): boolean;
    servers(projectId?: string): readonly SimServer[];
    addServer(projectId: string, spec: OutOfBandServerSpec): SimServer;
    deleteServerOutOfBand(id: string): boolean;
    setServerStatus(id: string, status: ServerStatus): boolean;
    addFlavor(spec: FlavorSpec): Named;
    addImage(spec: ImageSpec): Named;
    setQuota(projectId: string, instances: number | null): void;
    stop(): Promise<void>;
}

export const startSimulator = async (options: SimulatorOptions = {}): Promise<Simulator> => {
    const state = new SimState({
        region: options.region ?? 'RegionOne',
        buildDelayMs: options.buildDelayMs ?? 0,
        deleteDelayMs: options.deleteDelayMs ?? 0,
        tokenTtlS: options.tokenTtlS ?? 3600,
        now: options.now ?? (() => new Date())
    });
    const admin = new SimAdmin(state);
    const server = await listen(state, admin, options.port ?? 0);
    const origin = `http://127.0.0.1:${server.port}`;
    state.endpoints = { origin, authUrl: `${origin}/identity/v3`, computeUrl: `${origin}/compute/v2.1` };

    const sim: Simulator = {
        port: server.port,
        origin,
        authUrl: state.endpoints.authUrl,
        computeUrl: state.endpoints.computeUrl,
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
        revokeToken: (token) => admin.revokeToken(token),
        servers: (projectId) => admin.servers(projectId),
        addServer: (projectId, spec) => admin.addServer(projectId, spec),
        deleteServerOutOfBand: (id) => admin.deleteServerOutOfBand(id),
        setServerStatus: (id, status) => admin.setServerStatus(id, status),
        addFlavor: (spec) => admin.addFlavor(spec),
        addImage: (spec) => admin.addImage(spec),
        setQuota: (projectId, instances) => admin.setQuota(projectId, instances),
        stop: () => server.close()
    };

    if (options.demo) {
        seedDemo(sim);
    }

    return sim;
};
