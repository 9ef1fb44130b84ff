// Keystone for the plugin: the simulator with its demo cloud, the service
// account the plugin validates tokens as, and a customer token for tenant demo.
import type { ServiceAccount } from '../../adapters/keystone/service-account';
import { DEMO, demoProjectId, demoServiceAccount, startSimulator, type Simulator } from '../../simulator';

export interface BenchIdentity {
    readonly simulator: Simulator;
    readonly serviceAccount: ServiceAccount;
    readonly tenantId: string;
    readonly token: string;
}

export const startIdentity = async (): Promise<BenchIdentity> => {
    const simulator = await startSimulator({ demo: true });
    const serviceAccount: ServiceAccount = demoServiceAccount(simulator);
    const token = simulator.issueToken({ userName: DEMO.customer.name, projectId: demoProjectId });
    return { simulator, serviceAccount, tenantId: demoProjectId, token };
};

// How many times Keystone was asked to validate a token (GET /v3/auth/tokens).
export const validations = (simulator: Simulator): number =>
    simulator.requests.filter((r) => r.service === 'identity' && r.method === 'GET' && r.path === '/auth/tokens').length;
