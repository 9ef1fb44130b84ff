// OctaviaClient against the simulator over real HTTP: the endpoint from the
// service account's catalog, a member's life through PENDING_* to ACTIVE and
// gone, 409 immutable as busy, and what each refusal and fault becomes.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { OctaviaClient, type OctaviaClientOptions } from '../../adapters/octavia/client';
import type { LoadBalancerScope } from '../../core/ports/load-balancers';
import { LoadBalancerError } from '../../core/model/load-balancer';
import {
    DEMO, demoLoadBalancerId, demoPoolId, demoProjectId, demoServiceAccount, demoSubnetId, type Simulator, type SimulatorOptions
} from '../../simulator';
import { ManualClock, otherCustomer, withSim } from '../simulator/helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const SCOPE: LoadBalancerScope = { projectId: demoProjectId, region: null };
const SPEC = { address: '10.20.0.9', protocolPort: 80, name: 'web-as00000001', subnetId: demoSubnetId };

const run = (options: SimulatorOptions, test: (sim: Simulator, client: (o?: OctaviaClientOptions) => OctaviaClient) => Promise<void>): Promise<void> =>
    withSim(options, (sim) => test(sim, (o = {}) => new OctaviaClient(demoServiceAccount(sim), o)));

const failure = async (promise: Promise<unknown>): Promise<LoadBalancerError> => {
    const err = await expect(promise).to.reject();
    expect(err).to.be.an.instanceof(LoadBalancerError);
    return err as LoadBalancerError;
};

// Acme's load balancer and pool, on its own network.
const acme = (sim: Simulator): { readonly lb: string; readonly pool: string } => {
    otherCustomer(sim);
    sim.addNetwork({ projectId: 'acme', name: 'acme-net' });
    const lb = sim.addLoadBalancer({ projectId: 'acme', vipSubnetId: sim.networks('acme')[0]?.subnet.id as string }).id;
    return { lb, pool: sim.addPool({ loadBalancerId: lb }).id };
};

describe('OctaviaClient against the simulator', () => {

    it('reads a subnet\'s CIDR from Neutron as the project sees it: null for one it cannot see or that does not exist', async () => {
        await run({}, async (sim, client) => {
            const octavia = client();
            expect(await octavia.subnetCidr(SCOPE, demoSubnetId)).to.equal(DEMO.network.subnet.cidr);
            acme(sim);
            const hidden = sim.networks('acme').find((n) => n.name === 'acme-net')?.subnet.id as string;
            expect(await octavia.subnetCidr(SCOPE, hidden)).to.be.null();
            expect(await octavia.subnetCidr(SCOPE, '00000000-0000-4000-8000-000000000000')).to.be.null();
            sim.faults.add({ service: 'network', method: 'GET', path: `/v2.0/subnets/${demoSubnetId}`, status: 500, times: 1 });
            expect((await failure(octavia.subnetCidr(SCOPE, demoSubnetId))).kind).to.equal('server_error');
            expect(sim.requests.filter((r) => r.service === 'network').map((r) => r.path)).to.include(`/v2.0/subnets/${demoSubnetId}`);
        });
    });

    it('finds Octavia in the catalog and answers the demo load balancer\'s pools; an unknown one is load_balancer_gone', async () => {
        await run({}, async (sim, client) => {
            const octavia = client();
            expect(await octavia.poolsOf(SCOPE, demoLoadBalancerId)).to.equal([demoPoolId]);
            const second = sim.addPool({ loadBalancerId: demoLoadBalancerId }).id;
            expect(await octavia.poolsOf(SCOPE, demoLoadBalancerId)).to.equal([demoPoolId, second]);

            const gone = await failure(octavia.poolsOf(SCOPE, 'nope'));
            expect([gone.kind, gone.status, gone.message]).to.equal(['load_balancer_gone', 404, 'Load Balancer nope not found.']);
            expect(sim.requests.filter((r) => r.service === 'load-balancer').map((r) => `${r.method} ${r.path} ${r.projectId}`)).to.equal([
                `GET /v2/lbaas/loadbalancers/${demoLoadBalancerId} demo`, `GET /v2/lbaas/loadbalancers/${demoLoadBalancerId} demo`, 'GET /v2/lbaas/loadbalancers/nope demo'
            ]);
        });
    });

    it('creates a member that is PENDING_CREATE for memberDelayMs, then ACTIVE, in the scope\'s project', async () => {
        const clock = new ManualClock();
        await run({ now: clock.now, memberDelayMs: 1500 }, async (sim, client) => {
            const octavia = client({ clock });
            const { id } = await octavia.createMember(SCOPE, demoPoolId, SPEC);
            const pending = await octavia.showMember(SCOPE, demoPoolId, id);
            expect(pending).to.equal({
                id, name: 'web-as00000001', address: '10.20.0.9', protocolPort: 80, subnetId: demoSubnetId, weight: 1,
                provisioningStatus: 'PENDING_CREATE', operatingStatus: 'NO_MONITOR', projectId: demoProjectId
            });
            clock.advance(1500);
            expect((await octavia.showMember(SCOPE, demoPoolId, id))?.provisioningStatus).to.equal('ACTIVE');
            expect(sim.members(demoPoolId).map((m) => [m.id, m.provisioningStatus])).to.equal([[id, 'ACTIVE']]);
            // The pool's project was checked before the create.
            expect(sim.requests.filter((r) => r.service === 'load-balancer').slice(0, 2).map((r) => `${r.method} ${r.path}`)).to.equal([
                `GET /v2/lbaas/pools/${demoPoolId}`, `POST /v2/lbaas/pools/${demoPoolId}/members`
            ]);
        });
    });

    it('is busy (409 immutable) while a change is pending, then drains (weight 0), deletes and answers gone', async () => {
        const clock = new ManualClock();
        await run({ now: clock.now, memberDelayMs: 2000 }, async (sim, client) => {
            const octavia = client({ clock });
            const { id } = await octavia.createMember(SCOPE, demoPoolId, SPEC);

            const busyCreate = await failure(octavia.createMember(SCOPE, demoPoolId, { ...SPEC, address: '10.20.0.10' }));
            expect([busyCreate.kind, busyCreate.status, busyCreate.message]).to.equal(['busy', 409, `Pool ${demoPoolId} is immutable and cannot be updated.`]);
            expect((await failure(octavia.setWeight(SCOPE, demoPoolId, id, 0))).kind).to.equal('busy');
            expect((await failure(octavia.deleteMember(SCOPE, demoPoolId, id))).kind).to.equal('busy');
            // Another pool of the same load balancer waits too: the load balancer is PENDING_UPDATE.
            const other = sim.addPool({ loadBalancerId: demoLoadBalancerId }).id;
            const busyLb = await failure(octavia.createMember(SCOPE, other, SPEC));
            expect([busyLb.kind, busyLb.message]).to.equal(['busy', `Load Balancer ${demoLoadBalancerId} is immutable and cannot be updated.`]);

            clock.advance(2000);
            expect(await octavia.setWeight(SCOPE, demoPoolId, id, 0)).to.equal('updated');
            expect(await octavia.showMember(SCOPE, demoPoolId, id)).to.include({ weight: 0, provisioningStatus: 'PENDING_UPDATE' });
            clock.advance(2000);
            expect(await octavia.showMember(SCOPE, demoPoolId, id)).to.include({ weight: 0, provisioningStatus: 'ACTIVE' });

            expect(await octavia.deleteMember(SCOPE, demoPoolId, id)).to.equal('deleting');
            expect((await octavia.showMember(SCOPE, demoPoolId, id))?.provisioningStatus).to.equal('PENDING_DELETE');
            clock.advance(2000);
            expect(await octavia.showMember(SCOPE, demoPoolId, id)).to.be.null();
            expect(await octavia.deleteMember(SCOPE, demoPoolId, id)).to.equal('gone');
            expect(await octavia.setWeight(SCOPE, demoPoolId, id, 1)).to.equal('gone');
            expect(await octavia.listMembers(SCOPE, demoPoolId)).to.equal([]);
        });
    });

    it('lists every member across pages, a member someone else added among them, which our delete leaves alone', async () => {
        const clock = new ManualClock();
        await run({ now: clock.now }, async (sim, client) => {
            const foreign = sim.addMember({ poolId: demoPoolId, address: '10.20.9.9', protocolPort: 80, name: 'legacy' });
            const octavia = client({ clock, pageSize: 2 });
            const ours: string[] = [];
            for (let i = 1; i <= 4; ++i) {
                clock.advance(1000);
                ours.push((await octavia.createMember(SCOPE, demoPoolId, { ...SPEC, address: `10.20.0.${10 + i}` })).id);
            }

            const listed = await octavia.listMembers(SCOPE, demoPoolId);
            expect(listed.map((m) => m.id)).to.equal([foreign.id, ...ours]);
            expect(listed[0]).to.include({ name: 'legacy', address: '10.20.9.9', projectId: demoProjectId, provisioningStatus: 'ACTIVE', subnetId: null });
            // Five members in pages of two: three pages, each asked with the marker of the one before.
            const pages = sim.requests.filter((r) => r.service === 'load-balancer' && r.method === 'GET' && r.path.endsWith('/members'));
            expect(pages.map((r) => r.query)).to.equal([{ limit: '2' }, { limit: '2', marker: ours[0] }, { limit: '2', marker: ours[2] }]);

            for (const id of ours) {
                expect(await octavia.deleteMember(SCOPE, demoPoolId, id)).to.equal('deleting');
            }

            expect(sim.members(demoPoolId).map((m) => m.id)).to.equal([foreign.id]);
            expect((await octavia.listMembers(SCOPE, demoPoolId)).map((m) => m.id)).to.equal([foreign.id]);
        });
    });

    it('turns Octavia\'s refusals into refused and pool_gone', async () => {
        await run({}, async (sim, client) => {
            const octavia = client();
            await octavia.createMember(SCOPE, demoPoolId, SPEC);
            const duplicate = await failure(octavia.createMember(SCOPE, demoPoolId, { ...SPEC, name: 'again' }));
            expect([duplicate.kind, duplicate.status, duplicate.message]).to.equal(['refused', 409, 'Another member on this pool is already using ip 10.20.0.9 on protocol_port 80']);
            const port = await failure(octavia.createMember(SCOPE, demoPoolId, { ...SPEC, protocolPort: 0 }));
            expect([port.kind, port.status]).to.equal(['refused', 400]);
            expect(port.message).to.contain('Value should be greater or equal to 1');
            const subnet = await failure(octavia.createMember(SCOPE, demoPoolId, { ...SPEC, subnetId: '6c1f0e1a-3f5b-4d8e-9a2c-7b6d5e4f3a2b' }));
            expect([subnet.kind, subnet.status, subnet.message]).to.equal(['refused', 400, 'Subnet 6c1f0e1a-3f5b-4d8e-9a2c-7b6d5e4f3a2b not found.']);

            const missing = await failure(octavia.createMember(SCOPE, 'nope', SPEC));
            expect([missing.kind, missing.status, missing.message]).to.equal(['pool_gone', 404, 'Pool nope not found.']);
            // A member path under a pool that is gone: pecan's own 404 body, read as the pool gone.
            const listing = await failure(octavia.listMembers(SCOPE, 'nope'));
            expect([listing.kind, listing.status]).to.equal(['pool_gone', 404]);
            expect(await octavia.showMember(SCOPE, 'nope', 'm')).to.be.null();
            expect(sim.members(demoPoolId)).to.have.length(1);
        });
    });

    it('keeps to the scope\'s project: another project\'s pool is forbidden (403), and pool_gone when an admin token sees it', async () => {
        await run({}, async (sim, client) => {
            const theirs = acme(sim);
            const octavia = client();
            const forbidden = await failure(octavia.createMember(SCOPE, theirs.pool, SPEC));
            expect([forbidden.kind, forbidden.status, forbidden.message]).to.equal(['forbidden', 403, 'Policy does not allow this request to be performed.']);
            expect((await failure(octavia.poolsOf(SCOPE, theirs.lb))).kind).to.equal('forbidden');

            // An admin service account sees every project's objects: the client's own check refuses them.
            sim.grantRole({ userName: DEMO.serviceUser.name, projectId: demoProjectId, role: 'admin' });
            const admin = client();
            const pool = await failure(admin.createMember(SCOPE, theirs.pool, SPEC));
            expect([pool.kind, pool.message]).to.equal(['pool_gone', `Pool ${theirs.pool} is not in project demo`]);
            const lb = await failure(admin.poolsOf(SCOPE, theirs.lb));
            expect([lb.kind, lb.message]).to.equal(['load_balancer_gone', `Load balancer ${theirs.lb} is not in project demo`]);
            expect(sim.members(theirs.pool)).to.equal([]);
        });
    });

    it('reads injected faults as Octavia trouble: 503 with Retry-After is unavailable, a hang a timeout', async () => {
        await run({}, async (sim, client) => {
            const octavia = client({ timeouts: { showMs: 200 } });
            sim.faults.outage(true, { service: 'load-balancer', retryAfterS: 30 });
            const down = await failure(octavia.poolsOf(SCOPE, demoLoadBalancerId));
            expect([down.kind, down.status, down.retryAfterS, down.message]).to.equal(['unavailable', 503, 30, 'Injected fault: Service Unavailable']);
            sim.faults.outage(false, { service: 'load-balancer' });

            sim.faults.add({ service: 'load-balancer', status: 500, times: 1 });
            expect((await failure(octavia.poolsOf(SCOPE, demoLoadBalancerId))).kind).to.equal('server_error');
            sim.faults.add({ service: 'load-balancer', status: 429, headers: { 'Retry-After': '5' }, times: 1 });
            expect(await failure(octavia.poolsOf(SCOPE, demoLoadBalancerId))).to.include({ kind: 'over_limit', retryAfterS: 5 });
            sim.faults.add({ service: 'load-balancer', hang: true, times: 1 });
            expect((await failure(octavia.showMember(SCOPE, demoPoolId, 'm'))).kind).to.equal('timeout');
            expect(await octavia.poolsOf(SCOPE, demoLoadBalancerId)).to.equal([demoPoolId]);
        });
    });
});
