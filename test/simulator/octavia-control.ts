// Octavia beside the other services: in the catalog (or left out), logged and
// faulted like them, seeded by the demo, and driven through the simulator's
// own calls and /_sim.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { DEMO, demoLoadBalancerId, demoPoolId, demoSubnetId } from '../../simulator';
import { aliceToken, arr, call, obj, otherCustomer, passwordAuth, withSim } from './helpers';
import { createMember, LB, LISTENER, lbaas, membersUrl, POOL, postMember, serviceToken } from './octavia-helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const catalogOf = async (sim: { readonly authUrl: string }): Promise<Record<string, unknown>[]> => {
    const res = await call('POST', `${sim.authUrl}/auth/tokens`, { body: passwordAuth('alice', 'secret') });
    return arr(obj(obj(res.json).token).catalog).map(obj);
};

describe('simulator: Octavia as a service', () => {

    it('is in the catalog as load-balancer/octavia at its root, in the region; or left out and not served', async () => {
        await withSim({ region: 'East' }, async (sim) => {
            const entry = (await catalogOf(sim)).find((s) => s.type === 'load-balancer');
            expect(entry?.name).to.equal('octavia');
            const endpoints = arr(entry?.endpoints).map(obj);
            expect(endpoints.map((e) => e.interface)).to.equal(['public', 'internal', 'admin']);
            expect(endpoints.every((e) => e.url === sim.loadBalancerUrl && e.region === 'East')).to.be.true();
            expect(sim.loadBalancerUrl).to.equal(`${sim.origin}/load-balancer`);
        });

        await withSim({ services: { loadBalancer: false } }, async (sim) => {
            expect((await catalogOf(sim)).map((s) => s.type)).to.equal(['compute', 'identity', 'image', 'network']);
            expect((await call('GET', lbaas(sim, `/pools/${POOL.id}`), { token: aliceToken(sim) })).status).to.equal(404);
            expect(sim.requests).to.have.length(1); // the login only
        });
    });

    it('logs its requests with the token\'s project', async () => {
        await withSim({}, async (sim) => {
            const token = serviceToken(sim);
            await postMember(sim, token, { address: '10.20.0.9', protocol_port: 80 });
            await call('GET', `${membersUrl(sim)}?limit=5`);
            expect(sim.requests[0]).to.include({
                service: 'load-balancer', method: 'POST', path: `/v2/lbaas/pools/${POOL.id}/members`, status: 201, projectId: 'demo',
                body: { member: { address: '10.20.0.9', protocol_port: 80 } }
            });
            expect(sim.requests[1]).to.include({ service: 'load-balancer', method: 'GET', query: { limit: '5' }, status: 401, projectId: null });
            expect(sim.requests[0]?.microversion).to.be.undefined();
        });
    });

    describe('faults', () => {

        it('answers an injected status in Octavia\'s shape, with Retry-After, without handling the request', async () => {
            await withSim({}, async (sim) => {
                const token = serviceToken(sim);
                const { id } = sim.faults.add({ service: 'load-balancer', method: 'POST', status: 503, headers: { 'Retry-After': '7' }, times: 1 });
                const res = await postMember(sim, token, { address: '10.20.0.9', protocol_port: 80 });
                expect(res.status).to.equal(503);
                expect(res.headers['retry-after']).to.equal('7');
                expect(res.json).to.equal({ faultcode: 'Server', faultstring: 'Injected fault: Service Unavailable', debuginfo: null });
                expect(sim.requests.at(-1)).to.include({ service: 'load-balancer', status: 503, fault: id });
                expect(sim.members(POOL.id)).to.equal([]);

                sim.faults.add({ service: 'load-balancer', status: 409, times: 1 });
                expect((await postMember(sim, token, { address: '10.20.0.9', protocol_port: 80 })).json)
                    .to.equal({ faultcode: 'Client', faultstring: 'Injected fault: Conflict', debuginfo: null });
                expect((await postMember(sim, token, { address: '10.20.0.9', protocol_port: 80 })).status).to.equal(201);
            });
        });

        it('passes a create through and then answers 500: the member exists all the same', async () => {
            await withSim({}, async (sim) => {
                sim.faults.add({ service: 'load-balancer', method: 'POST', path: /\/members$/, status: 500, passThrough: true, times: 1 });
                const res = await postMember(sim, serviceToken(sim), { address: '10.20.0.9', protocol_port: 80 });
                expect([res.status, obj(res.json).faultcode]).to.equal([500, 'Server']);
                expect(sim.members(POOL.id).map((m) => m.address)).to.equal(['10.20.0.9']);
            });
        });

        it('hangs a request until the client gives up', async () => {
            await withSim({}, async (sim) => {
                sim.faults.add({ service: 'load-balancer', hang: true, times: 1 });
                const controller = new AbortController();
                const pending = call('GET', lbaas(sim, `/loadbalancers/${LB.id}`), { token: aliceToken(sim), signal: controller.signal });
                await new Promise((resolve) => setTimeout(resolve, 50));
                controller.abort();
                await expect(pending).to.reject();
                expect(sim.requests.at(-1)).to.include({ service: 'load-balancer', status: 0 });
            });
        });

        it('puts Octavia alone on an outage (503, optional Retry-After), in process and over /_sim', async () => {
            await withSim({}, async (sim) => {
                const token = serviceToken(sim);
                sim.faults.outage(true, { service: 'load-balancer', retryAfterS: 12 });
                const down = await call('GET', lbaas(sim, `/pools/${POOL.id}`), { token });
                expect([down.status, down.headers['retry-after'], obj(down.json).faultcode]).to.equal([503, '12', 'Server']);
                expect((await call('GET', `${sim.computeUrl}/servers`, { token })).status).to.equal(200);
                expect(sim.faults.list().map((f) => f.id)).to.equal(['outage:load-balancer']);
                // A compute outage is its own, beside it.
                sim.faults.outage(true);
                expect(sim.faults.list().map((f) => f.id)).to.equal(['outage', 'outage:load-balancer']);
                sim.faults.outage(false);
                sim.faults.outage(false, { service: 'load-balancer' });
                expect((await call('GET', lbaas(sim, `/pools/${POOL.id}`), { token })).status).to.equal(200);

                expect((await call('PUT', `${sim.controlUrl}/outage`, { body: { on: true, service: 'load-balancer' } })).status).to.equal(204);
                const again = await call('GET', lbaas(sim, `/pools/${POOL.id}`), { token });
                expect([again.status, again.headers['retry-after']]).to.equal([503, undefined]);
                expect((await call('GET', `${sim.computeUrl}/servers`, { token })).status).to.equal(200);
                expect((await call('PUT', `${sim.controlUrl}/outage`, { body: { on: false, service: 'load-balancer' } })).status).to.equal(204);
                expect((await call('GET', lbaas(sim, `/pools/${POOL.id}`), { token })).status).to.equal(200);
                const refused = await call('PUT', `${sim.controlUrl}/outage`, { body: { on: true, service: 'dns' } });
                expect([refused.status, obj(refused.json).error]).to.equal([400, 'service must be one of identity, compute, image, network, load-balancer']);
            });
        });

        it('takes load-balancer rules over /_sim', async () => {
            await withSim({}, async (sim) => {
                const added = await call('POST', `${sim.controlUrl}/faults`, { body: { service: 'load-balancer', method: 'DELETE', status: 503, times: 1 } });
                expect(added.status).to.equal(201);
                const token = serviceToken(sim);
                const id = await createMember(sim, token, { address: '10.20.0.9', protocol_port: 80 });
                expect((await call('DELETE', `${membersUrl(sim)}/${id}`, { token })).status).to.equal(503);
                expect((await call('DELETE', `${membersUrl(sim)}/${id}`, { token })).status).to.equal(204);
            });
        });
    });

    describe('the demo', () => {

        it('seeds a load balancer for the demo tenant: its VIP on the public subnet, an HTTP listener on 80 and one ROUND_ROBIN pool', async () => {
            await withSim({}, async (sim) => {
                expect([demoLoadBalancerId, demoPoolId, demoSubnetId]).to.equal([DEMO.loadBalancer.id, DEMO.loadBalancer.pool.id, DEMO.network.subnet.id]);
                const [lb] = sim.loadBalancers('demo');
                expect(lb).to.equal({
                    id: LB.id, projectId: 'demo', name: 'web-lb', vipSubnetId: demoSubnetId, vipNetworkId: DEMO.network.id, vipAddress: '10.20.0.2',
                    provisioningStatus: 'ACTIVE', listenerIds: [LISTENER.id], poolIds: [POOL.id], created: lb?.created
                });
                const [pool] = sim.pools();
                expect(sim.pools()).to.equal([{
                    id: POOL.id, projectId: 'demo', loadBalancerId: LB.id, listenerIds: [LISTENER.id], name: 'web-pool', protocol: 'HTTP',
                    lbAlgorithm: 'ROUND_ROBIN', provisioningStatus: 'ACTIVE', memberIds: [], created: pool?.created
                }]);
                // Seeded one after the other, so the pool is never older than its load balancer.
                expect(pool!.created.getTime()).to.be.at.least(lb!.created.getTime());
                expect(sim.loadBalancers('acme')).to.equal([]);
                expect(sim.pools('acme')).to.equal([]);
                // The service account may join servers to it: it is a member of the demo project.
                expect((await postMember(sim, serviceToken(sim), { address: '10.20.0.3', protocol_port: 80 })).status).to.equal(201);
            });
        });
    });

    describe('the simulator\'s own calls', () => {

        it('adds load balancers, listeners and pools for a project, each refused when it cannot be', async () => {
            await withSim({}, async (sim) => {
                otherCustomer(sim);
                const own = sim.addNetwork({ projectId: 'acme', name: 'acme-net', subnet: { cidr: '192.168.7.0/29' } });
                const subnet = sim.networks('acme')[0]?.subnet.id as string;
                const lb = sim.addLoadBalancer({ id: 'lb-acme', projectId: 'acme', vipSubnetId: subnet, description: 'acme\'s' });
                expect(lb).to.equal({ id: 'lb-acme', name: '' });
                expect(sim.loadBalancers('acme')[0]).to.include({ vipAddress: '192.168.7.2', vipNetworkId: own.id });
                // On a shared network too; the VIP takes an address no server will get.
                expect(sim.addLoadBalancer({ projectId: 'acme', name: 'public', vipSubnetId: demoSubnetId }).id).to.match(/^[0-9a-f-]{36}$/);
                expect(sim.loadBalancers('acme')[1]?.vipAddress).to.equal('10.20.0.3');

                expect(() => sim.addLoadBalancer({ projectId: 'nope', vipSubnetId: subnet })).to.throw('no project nope');
                expect(() => sim.addLoadBalancer({ projectId: 'acme', vipSubnetId: 'nope' })).to.throw('no subnet nope');
                expect(() => sim.addLoadBalancer({ projectId: 'demo', vipSubnetId: subnet })).to.throw(`subnet ${subnet} is on network ${own.id}, neither project demo's nor shared`);
                expect(() => sim.addLoadBalancer({ id: 'lb-acme', projectId: 'acme', vipSubnetId: subnet })).to.throw('load balancer lb-acme exists');
                // A /29 hands out .2 to .6: four more VIPs, then none.
                for (let i = 0; i < 4; ++i) {
                    sim.addLoadBalancer({ projectId: 'acme', vipSubnetId: subnet });
                }

                expect(() => sim.addLoadBalancer({ projectId: 'acme', vipSubnetId: subnet })).to.throw(`no address left on subnet ${subnet}`);

                const listener = sim.addListener({ loadBalancerId: 'lb-acme', protocol: 'TCP', protocolPort: 443, name: 'tls' });
                expect(() => sim.addListener({ loadBalancerId: 'lb-acme', protocolPort: 443 })).to.throw('load balancer lb-acme has a listener on port 443');
                expect(() => sim.addListener({ loadBalancerId: 'lb-acme', protocolPort: 0 })).to.throw('protocolPort must be a whole number from 1 to 65535');
                expect(() => sim.addListener({ loadBalancerId: 'lb-acme', protocol: 'FTP', protocolPort: 21 })).to.throw(/^protocol must be one of HTTP/);
                expect(() => sim.addListener({ loadBalancerId: 'nope', protocolPort: 80 })).to.throw('no load balancer nope');
                expect(() => sim.addListener({ id: listener.id, loadBalancerId: 'lb-acme', protocolPort: 80 })).to.throw(`listener ${listener.id} exists`);

                const pool = sim.addPool({ id: 'pool-acme', loadBalancerId: 'lb-acme', listenerId: listener.id, protocol: 'TCP', lbAlgorithm: 'SOURCE_IP' });
                expect(pool).to.equal({ id: 'pool-acme', name: '' });
                expect(sim.pools('acme')[0]).to.include({ listenerIds: [listener.id], protocol: 'TCP', lbAlgorithm: 'SOURCE_IP' });
                const shown = await call('GET', lbaas(sim, `/listeners/${listener.id}`), { token: sim.issueToken({ userName: 'bob', projectId: 'acme' }) });
                expect(obj(obj(shown.json).listener).default_pool_id).to.equal('pool-acme');
                expect(() => sim.addPool({ loadBalancerId: 'lb-acme', listenerId: listener.id })).to.throw(`listener ${listener.id} has a default pool (pool-acme)`);
                expect(() => sim.addPool({ loadBalancerId: 'lb-acme', listenerId: LISTENER.id })).to.throw(`no listener ${LISTENER.id} on load balancer lb-acme`);
                expect(() => sim.addPool({ loadBalancerId: 'lb-acme', lbAlgorithm: 'RANDOM' })).to.throw(/^lbAlgorithm must be one of ROUND_ROBIN/);
                expect(() => sim.addPool({ loadBalancerId: 'lb-acme', protocol: 'FTP' })).to.throw(/^protocol must be one of HTTP/);
                expect(() => sim.addPool({ id: 'pool-acme', loadBalancerId: 'lb-acme' })).to.throw('pool pool-acme exists');
                expect(() => sim.addPool({ loadBalancerId: 'nope' })).to.throw('no load balancer nope');
            });
        });

        it('adds a member directly (someone else\'s), and refuses one that could not be', async () => {
            await withSim({}, async (sim) => {
                const member = sim.addMember({ id: 'm-1', poolId: POOL.id, address: 'fd00::5', protocolPort: 8080, subnetId: demoSubnetId, adminStateUp: false, weight: 0 });
                expect(member).to.equal({
                    id: 'm-1', poolId: POOL.id, projectId: 'demo', name: '', address: 'fd00::5', protocolPort: 8080, subnetId: demoSubnetId, weight: 0,
                    adminStateUp: false, provisioningStatus: 'ACTIVE', operatingStatus: 'NO_MONITOR', created: member.created, updated: member.created
                });
                expect(() => sim.addMember({ poolId: POOL.id, address: 'fd00::5', protocolPort: 8080 })).to.throw(`pool ${POOL.id} has a member on fd00::5 port 8080`);
                expect(() => sim.addMember({ id: 'm-1', poolId: POOL.id, address: 'fd00::6', protocolPort: 8080 })).to.throw('member m-1 exists');
                expect(() => sim.addMember({ poolId: 'nope', address: '10.0.0.1', protocolPort: 80 })).to.throw('no pool nope');
                expect(() => sim.addMember({ poolId: POOL.id, address: 'web', protocolPort: 80 })).to.throw('address web is not an IP address');
                expect(() => sim.addMember({ poolId: POOL.id, address: '10.0.0.1', protocolPort: 80.5 })).to.throw('protocolPort must be a whole number from 1 to 65535');
                expect(() => sim.addMember({ poolId: POOL.id, address: '10.0.0.1', protocolPort: 80, weight: 257 })).to.throw('weight must be a whole number from 0 to 256');
                expect(() => sim.addMember({ poolId: POOL.id, address: '10.0.0.1', protocolPort: 80, subnetId: 'nope' })).to.throw('no subnet nope');
                expect(() => sim.members('nope')).to.throw('no pool nope');
                expect(sim.members(POOL.id).map((m) => m.id)).to.equal(['m-1']);
            });
        });

        it('does the same over /_sim', async () => {
            await withSim({}, async (sim) => {
                const control = async (method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
                    const res = await call(method, `${sim.controlUrl}${path}`, body === undefined ? {} : { body });
                    return { status: res.status, json: res.status === 204 ? {} : obj(res.json) };
                };

                const lb = await control('POST', '/load-balancers', { projectId: 'demo', name: 'second', vipSubnetId: demoSubnetId, description: 'd' });
                expect(lb.status).to.equal(201);
                const lbId = String(obj(lb.json.loadBalancer).id);
                expect(obj(lb.json.loadBalancer).name).to.equal('second');
                const listener = await control('POST', '/listeners', { loadBalancerId: lbId, protocolPort: 8080, protocol: 'HTTP', name: 'l' });
                const listenerId = String(obj(listener.json.listener).id);
                const pool = await control('POST', '/pools', { loadBalancerId: lbId, listenerId, name: 'p', protocol: 'HTTP', lbAlgorithm: 'ROUND_ROBIN' });
                expect(pool.status).to.equal(201);
                const poolId = String(obj(pool.json.pool).id);

                expect(arr((await control('GET', '/load-balancers?projectId=demo')).json.loadBalancers).map((l) => obj(l).id)).to.equal([LB.id, lbId]);
                expect(arr((await control('GET', '/load-balancers')).json.loadBalancers)).to.have.length(2);
                expect(arr((await control('GET', '/pools?projectId=demo')).json.pools).map((p) => obj(p).id)).to.equal([POOL.id, poolId]);
                expect(arr((await control('GET', '/pools')).json.pools)).to.have.length(2);

                const member = await control('POST', `/pools/${poolId}/members`, { address: '10.20.7.7', protocolPort: 80, name: 'foreign', weight: 2, subnetId: demoSubnetId, adminStateUp: true });
                expect(member.status).to.equal(201);
                expect(obj(member.json.member)).to.include({ poolId, address: '10.20.7.7', name: 'foreign', weight: 2, provisioningStatus: 'ACTIVE' });
                await createMember(sim, serviceToken(sim), { address: '10.20.7.8', protocol_port: 80 }, poolId);
                const members = await control('GET', `/pools/${poolId}/members`);
                expect(arr(members.json.members).map((m) => obj(m).address)).to.equal(['10.20.7.7', '10.20.7.8']);

                expect((await control('PUT', `/load-balancers/${lbId}/status`, { status: 'PENDING_UPDATE' })).status).to.equal(204);
                expect(sim.loadBalancers('demo')[1]?.provisioningStatus).to.equal('PENDING_UPDATE');
                expect((await control('PUT', `/load-balancers/${lbId}/status`, { status: null })).status).to.equal(204);
                expect((await control('PUT', `/pools/${poolId}/status`, { status: 'ERROR' })).status).to.equal(204);
                expect(sim.pools('demo')[1]?.provisioningStatus).to.equal('ERROR');
                expect((await control('PUT', '/pools/nope/status', { status: 'ERROR' })).status).to.equal(404);
                expect((await control('PUT', '/load-balancers/nope/status', { status: null })).status).to.equal(404);

                const refused: readonly [string, string, unknown, string][] = [
                    ['PUT', `/pools/${poolId}/status`, { status: 'BROKEN' }, 'status must be null or one of ACTIVE, PENDING_CREATE, PENDING_UPDATE, PENDING_DELETE, ERROR'],
                    ['PUT', `/pools/${poolId}/status`, {}, 'status must be null or one of ACTIVE, PENDING_CREATE, PENDING_UPDATE, PENDING_DELETE, ERROR'],
                    ['POST', '/load-balancers', { projectId: 'demo' }, 'vipSubnetId is required'],
                    ['POST', '/listeners', { loadBalancerId: lbId }, 'protocolPort is required'],
                    ['POST', '/pools', { loadBalancerId: lbId, protocol: 7 }, 'protocol must be a string'],
                    ['POST', `/pools/${poolId}/members`, { address: '10.20.7.9' }, 'protocolPort is required'],
                    ['POST', '/pools/nope/members', { address: '10.20.7.9', protocolPort: 80 }, 'no pool nope'],
                    ['GET', '/pools/nope/members', undefined, 'no pool nope']
                ];
                for (const [method, path, body, error] of refused) {
                    const res = await control(method as 'GET' | 'POST' | 'PUT', path, body);
                    expect([res.status, res.json.error]).to.equal([400, error]);
                }
            });
        });
    });
});
