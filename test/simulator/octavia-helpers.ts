// Shared by the simulator's Octavia tests: the demo load balancer's URLs,
// the tokens that act on it, and a member create.
import * as Code from '@hapi/code';
import { DEMO, type Simulator } from '../../simulator';
import { call, obj, type Reply } from './helpers';

const { expect } = Code;

export const LB = DEMO.loadBalancer;
export const POOL = DEMO.loadBalancer.pool;
export const LISTENER = DEMO.loadBalancer.listener;

export const lbaas = (sim: Simulator, path: string): string => `${sim.loadBalancerUrl}/v2/lbaas${path}`;

export const membersUrl = (sim: Simulator, poolId: string = POOL.id): string => lbaas(sim, `/pools/${poolId}/members`);

// The service account in the demo project (a member there), as the plugin calls Octavia.
export const serviceToken = (sim: Simulator, projectId: string = DEMO.demoProject.id): string => sim.issueToken({ userName: DEMO.serviceUser.name, projectId });

export const fault = (faultstring: string): unknown => ({ faultcode: 'Client', faultstring, debuginfo: null });

export const immutablePool = (poolId: string): unknown => fault(`Pool ${poolId} is immutable and cannot be updated.`);

export const immutableLoadBalancer = (lbId: string): unknown => fault(`Load Balancer ${lbId} is immutable and cannot be updated.`);

export interface MemberBody {
    readonly [key: string]: unknown;
}

export const postMember = (sim: Simulator, token: string, member: MemberBody, poolId: string = POOL.id): Promise<Reply> =>
    call('POST', membersUrl(sim, poolId), { token, body: { member } });

// Create a member that must be accepted; its id.
export const createMember = async (sim: Simulator, token: string, member: MemberBody, poolId: string = POOL.id): Promise<string> => {
    const res = await postMember(sim, token, member, poolId);
    expect(res.status, res.text).to.equal(201);
    return String(obj(obj(res.json).member).id);
};

export const memberOf = (res: Reply): Record<string, unknown> => obj(obj(res.json).member);
