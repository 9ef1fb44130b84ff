// Octavia v2 as the simulator serves it: load balancers, listeners and pools
// to read, members to create, change and delete, with Octavia's statuses,
// policy, refusals and paging.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { DEMO, demoSubnetId, type Simulator } from '../../simulator';
import { aliceToken, arr, call, ManualClock, obj, operatorToken, otherCustomer, withSim, type Reply } from './helpers';
import {
    createMember, fault, immutableLoadBalancer, immutablePool, LB, lbaas, LISTENER, memberOf, membersUrl, POOL, postMember, serviceToken
} from './octavia-helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const T0 = '2026-11-25T12:00:00';

const ids = (body: unknown, key: string): unknown[] => arr(obj(body)[key]).map((item) => obj(item).id);

// Acme: a second tenant with a load balancer and pool of its own on its own network.
const acmeSetup = (sim: Simulator): { readonly token: string; readonly lbId: string; readonly poolId: string; readonly subnetId: string } => {
    const acme = otherCustomer(sim);
    sim.addNetwork({ projectId: 'acme', name: 'acme-net', subnet: { cidr: '192.168.50.0/24' } });
    const subnetId = sim.networks('acme')[0]?.subnet.id as string;
    const lbId = sim.addLoadBalancer({ projectId: 'acme', name: 'acme-lb', vipSubnetId: subnetId }).id;
    const poolId = sim.addPool({ loadBalancerId: lbId, name: 'acme-pool' }).id;
    return { token: acme.token, lbId, poolId, subnetId };
};

describe('simulator: Octavia', () => {

    describe('the service', () => {

        it('lists its versions without a token, and wants a project-scoped one for the rest', async () => {
            await withSim({}, async (sim) => {
                const versions = await call('GET', sim.loadBalancerUrl);
                expect(versions.status).to.equal(200);
                expect(arr(obj(versions.json).versions).map((v) => [obj(v).id, obj(v).status])).to.equal([['v2.0', 'SUPPORTED'], ['v2.30', 'CURRENT']]);
                expect(obj(arr(obj(arr(obj(versions.json).versions)[0]).links)[0]).href).to.equal(`${sim.loadBalancerUrl}/v2`);

                const anonymous = await call('GET', lbaas(sim, '/loadbalancers'));
                expect(anonymous.status).to.equal(401);
                expect(anonymous.headers['www-authenticate']).to.equal(`Keystone uri="${sim.authUrl}"`);
                const revoked = aliceToken(sim);
                sim.revokeToken(revoked);
                expect((await call('GET', lbaas(sim, '/loadbalancers'), { token: revoked })).status).to.equal(401);
                const unscoped = sim.issueToken({ userName: 'operator' });
                expect((await call('GET', lbaas(sim, '/loadbalancers'), { token: unscoped })).status).to.equal(200);
            });
        });

        it('serves /v2 and /v2.0 alike; 404 and 405 in pecan\'s shape for what it does not serve', async () => {
            await withSim({}, async (sim) => {
                const token = aliceToken(sim);
                const v20 = await call('GET', `${sim.loadBalancerUrl}/v2.0/lbaas/loadbalancers/${LB.id}`, { token });
                expect(obj(obj(v20.json).loadbalancer).id).to.equal(LB.id);
                for (const path of ['/v2/lbaas/healthmonitors', '/v3/lbaas/loadbalancers', '/v2', '/lbaas/pools']) {
                    const res = await call('GET', `${sim.loadBalancerUrl}${path}`, { token });
                    expect(res.status).to.equal(404);
                    expect(res.json).to.equal({ code: 404, title: 'Not Found', description: null });
                }

                expect((await call('POST', `${sim.loadBalancerUrl}/`, { token })).json).to.equal({ code: 404, title: 'Not Found', description: null });
                const post = await call('POST', lbaas(sim, '/loadbalancers'), { token, body: { loadbalancer: {} } });
                expect(post.status).to.equal(405);
                expect(post.json).to.equal({ code: 405, title: 'Method Not Allowed', description: null });
                expect((await call('PUT', membersUrl(sim), { token, body: { members: [] } })).status).to.equal(405);
            });
        });
    });

    describe('load balancers, listeners and pools', () => {

        it('shows the demo load balancer, its listener and pool with Octavia\'s fields', async () => {
            const clock = new ManualClock();
            await withSim({ now: clock.now }, async (sim) => {
                const token = aliceToken(sim);
                const lb = obj(obj((await call('GET', lbaas(sim, `/loadbalancers/${LB.id}`), { token })).json).loadbalancer);
                expect(lb).to.include({
                    id: LB.id, name: 'web-lb', description: '', provisioning_status: 'ACTIVE', operating_status: 'ONLINE', admin_state_up: true,
                    project_id: 'demo', vip_address: '10.20.0.2', vip_subnet_id: demoSubnetId, vip_network_id: DEMO.network.id, provider: 'amphora',
                    listeners: [{ id: LISTENER.id }], pools: [{ id: POOL.id }], created_at: T0, updated_at: null
                });
                expect(lb.vip_port_id).to.match(/^[0-9a-f-]{36}$/);

                const listener = obj(obj((await call('GET', lbaas(sim, `/listeners/${LISTENER.id}`), { token })).json).listener);
                expect(listener).to.include({
                    id: LISTENER.id, name: 'web-http', protocol: 'HTTP', protocol_port: 80, default_pool_id: POOL.id, project_id: 'demo',
                    loadbalancers: [{ id: LB.id }], provisioning_status: 'ACTIVE', operating_status: 'ONLINE', created_at: T0
                });

                const pool = obj(obj((await call('GET', lbaas(sim, `/pools/${POOL.id}`), { token })).json).pool);
                expect(pool).to.include({
                    id: POOL.id, name: 'web-pool', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', project_id: 'demo', provisioning_status: 'ACTIVE',
                    operating_status: 'ONLINE', loadbalancers: [{ id: LB.id }], listeners: [{ id: LISTENER.id }], members: [], healthmonitor_id: null,
                    created_at: T0, updated_at: null
                });

                const picked = await call('GET', lbaas(sim, `/pools/${POOL.id}?fields=id,project_id`), { token });
                expect(picked.json).to.equal({ pool: { id: POOL.id, project_id: 'demo' } });
            });
        });

        it('answers 404 with Octavia\'s words for each kind', async () => {
            await withSim({}, async (sim) => {
                const token = aliceToken(sim);
                for (const [path, what] of [['loadbalancers', 'Load Balancer'], ['listeners', 'Listener'], ['pools', 'Pool']]) {
                    const res = await call('GET', lbaas(sim, `/${path}/nope`), { token });
                    expect(res.status).to.equal(404);
                    expect(res.json).to.equal(fault(`${what} nope not found.`));
                }
            });
        });

        it('shows a project its own, an admin everyone\'s; another project\'s is 403, as Octavia\'s policy answers', async () => {
            const clock = new ManualClock();
            await withSim({ now: clock.now }, async (sim) => {
                clock.advance(1000);
                const acme = acmeSetup(sim);
                const alice = aliceToken(sim);
                const operator = operatorToken(sim);
                const status = async (token: string, path: string): Promise<number> => (await call('GET', lbaas(sim, path), { token })).status;
                for (const path of [`/loadbalancers/${LB.id}`, `/listeners/${LISTENER.id}`, `/pools/${POOL.id}`]) {
                    expect([await status(alice, path), await status(acme.token, path), await status(operator, path)]).to.equal([200, 403, 200]);
                }

                const denied = await call('GET', lbaas(sim, `/pools/${POOL.id}`), { token: acme.token });
                expect(denied.json).to.equal(fault('Policy does not allow this request to be performed.'));
                expect([await status(alice, `/pools/${acme.poolId}`), await status(acme.token, `/pools/${acme.poolId}`)]).to.equal([403, 200]);

                const list = async (token: string, path: string): Promise<unknown[]> => {
                    const res = await call('GET', lbaas(sim, path), { token });
                    expect(res.status).to.equal(200);
                    return ids(res.json, path.split('?')[0]?.slice(1) as string);
                };

                expect(await list(alice, '/loadbalancers')).to.equal([LB.id]);
                expect(await list(acme.token, '/loadbalancers')).to.equal([acme.lbId]);
                expect(await list(operator, '/loadbalancers')).to.equal([LB.id, acme.lbId]);
                expect(await list(operator, '/loadbalancers?project_id=acme')).to.equal([acme.lbId]);
                expect(await list(alice, '/loadbalancers?project_id=demo')).to.equal([LB.id]);
                expect(await status(alice, '/loadbalancers?project_id=acme')).to.equal(403);
                expect(await list(operator, '/pools')).to.equal([POOL.id, acme.poolId]);
                expect(await list(acme.token, '/pools')).to.equal([acme.poolId]);
                expect(await list(acme.token, '/listeners')).to.equal([]);
                expect(await list(operator, '/listeners')).to.equal([LISTENER.id]);
            });
        });

        it('reads with the reader role, and refuses a token with no load-balancer role', async () => {
            await withSim({}, async (sim) => {
                sim.addUser({ name: 'rita', password: 'pw', roles: [{ projectId: 'demo', role: 'reader' }] });
                sim.addUser({ name: 'otto', password: 'pw', roles: [{ projectId: 'demo', role: 'billing' }] });
                const reader = sim.issueToken({ userName: 'rita', projectId: 'demo' });
                const other = sim.issueToken({ userName: 'otto', projectId: 'demo' });
                expect((await call('GET', lbaas(sim, `/pools/${POOL.id}`), { token: reader })).status).to.equal(200);
                expect((await call('GET', membersUrl(sim), { token: reader })).status).to.equal(200);
                expect((await postMember(sim, reader, { address: '10.20.1.1', protocol_port: 80 })).status).to.equal(403);
                expect((await call('GET', lbaas(sim, `/pools/${POOL.id}`), { token: other })).status).to.equal(403);
                expect((await call('GET', lbaas(sim, '/pools'), { token: other })).status).to.equal(403);
            });
        });

        it('filters listings on plain attributes and the load balancer, and refuses other filters', async () => {
            const clock = new ManualClock();
            await withSim({ now: clock.now }, async (sim) => {
                clock.advance(1000);
                const second = sim.addPool({ loadBalancerId: LB.id, name: 'admin-pool', protocol: 'TCP', lbAlgorithm: 'LEAST_CONNECTIONS' }).id;
                const acme = acmeSetup(sim);
                const operator = operatorToken(sim);
                const list = async (path: string): Promise<unknown[]> => ids((await call('GET', lbaas(sim, path), { token: operator })).json, 'pools');
                expect(await list(`/pools?loadbalancer_id=${LB.id}`)).to.equal([POOL.id, second]);
                expect(await list(`/pools?loadbalancer_id=${acme.lbId}`)).to.equal([acme.poolId]);
                expect(await list('/pools?protocol=TCP')).to.equal([second]);
                expect(await list('/pools?name=web-pool&name=acme-pool')).to.equal([POOL.id, acme.poolId]);
                expect(await list('/pools?admin_state_up=True&provisioning_status=ACTIVE')).to.have.length(3);
                expect(await list(`/pools?marker=${POOL.id}&loadbalancer_id=${LB.id}`)).to.equal([second]);
                expect((await call('GET', lbaas(sim, '/listeners?marker=nope'), { token: operator })).status).to.equal(400);
                const listeners = await call('GET', lbaas(sim, `/listeners?loadbalancer_id=${LB.id}&fields=id`), { token: operator });
                expect(obj(listeners.json).listeners).to.equal([{ id: LISTENER.id }]);
                const lbs = await call('GET', lbaas(sim, '/loadbalancers?vip_address=10.20.0.2'), { token: operator });
                expect(ids(lbs.json, 'loadbalancers')).to.equal([LB.id]);

                const bad = await call('GET', lbaas(sim, '/pools?colour=red'), { token: operator });
                expect(bad.status).to.equal(400);
                expect(bad.json).to.equal(fault('One or more arguments are either duplicate or invalid'));
                expect((await call('GET', lbaas(sim, '/loadbalancers?pools=x'), { token: operator })).status).to.equal(400);
            });
        });
    });

    describe('members', () => {

        it('creates a member: 201 PENDING_CREATE at once, then ACTIVE, in the pool\'s project, with Octavia\'s defaults', async () => {
            const clock = new ManualClock();
            await withSim({ now: clock.now }, async (sim) => {
                const token = serviceToken(sim);
                const res = await postMember(sim, token, { address: '10.20.0.9', protocol_port: 8080, name: 'web-as01', subnet_id: demoSubnetId });
                expect(res.status).to.equal(201);
                const created = memberOf(res);
                expect(created).to.equal({
                    id: created.id, name: 'web-as01', operating_status: 'NO_MONITOR', provisioning_status: 'PENDING_CREATE', admin_state_up: true,
                    address: '10.20.0.9', protocol_port: 8080, weight: 1, backup: false, subnet_id: demoSubnetId, project_id: 'demo',
                    created_at: T0, updated_at: null, monitor_address: null, monitor_port: null, tags: [], vnic_type: 'normal'
                });
                expect(created.id).to.match(/^[0-9a-f-]{36}$/);

                // No delay: Octavia's worker is done by the next read.
                clock.advance(1000);
                const shown = memberOf(await call('GET', `${membersUrl(sim)}/${String(created.id)}`, { token }));
                expect(shown).to.include({ provisioning_status: 'ACTIVE', operating_status: 'NO_MONITOR', created_at: T0, updated_at: T0 });
                const pool = obj(obj((await call('GET', lbaas(sim, `/pools/${POOL.id}`), { token })).json).pool);
                expect(pool).to.include({ members: [{ id: created.id }], provisioning_status: 'ACTIVE', updated_at: T0 });
                expect(sim.members(POOL.id)).to.equal([{
                    id: String(created.id), poolId: POOL.id, projectId: 'demo', name: 'web-as01', address: '10.20.0.9', protocolPort: 8080,
                    subnetId: demoSubnetId, weight: 1, adminStateUp: true, provisioningStatus: 'ACTIVE', operatingStatus: 'NO_MONITOR',
                    created: new Date(`${T0}Z`), updated: new Date(`${T0}Z`)
                }]);

                // A project_id sent is ignored, as Octavia does: the member is the load balancer's project's.
                const admin = await postMember(sim, operatorToken(sim), { address: '10.20.0.10', protocol_port: 80, project_id: 'acme' });
                expect(memberOf(admin)).to.include({ project_id: 'demo', name: '' });
            });
        });

        it('walks a member through PENDING_CREATE, PENDING_UPDATE and PENDING_DELETE over memberDelayMs, the pool and load balancer busy meanwhile', async () => {
            const clock = new ManualClock();
            await withSim({ now: clock.now, memberDelayMs: 1500 }, async (sim) => {
                const token = serviceToken(sim);
                const statuses = async (): Promise<unknown[]> => {
                    const get = async (path: string, key: string): Promise<unknown> => obj(obj((await call('GET', lbaas(sim, path), { token })).json)[key]).provisioning_status;
                    return [await get(`/loadbalancers/${LB.id}`, 'loadbalancer'), await get(`/listeners/${LISTENER.id}`, 'listener'), await get(`/pools/${POOL.id}`, 'pool')];
                };

                const id = await createMember(sim, token, { address: '10.20.0.9', protocol_port: 80 });
                const url = `${membersUrl(sim)}/${id}`;
                const member = async (): Promise<Record<string, unknown>> => memberOf(await call('GET', url, { token }));
                expect((await member()).provisioning_status).to.equal('PENDING_CREATE');
                expect(await statuses()).to.equal(['PENDING_UPDATE', 'PENDING_UPDATE', 'PENDING_UPDATE']);

                // Any other change to the pool waits: Octavia answers 409 immutable.
                const busy = await postMember(sim, token, { address: '10.20.0.10', protocol_port: 80 });
                expect(busy.status).to.equal(409);
                expect(busy.json).to.equal(immutablePool(POOL.id));
                expect((await call('PUT', url, { token, body: { member: { weight: 5 } } })).json).to.equal(immutablePool(POOL.id));
                expect((await call('DELETE', url, { token })).status).to.equal(409);

                clock.advance(1499);
                expect((await member()).provisioning_status).to.equal('PENDING_CREATE');
                clock.advance(1);
                expect((await member()).provisioning_status).to.equal('ACTIVE');
                expect(await statuses()).to.equal(['ACTIVE', 'ACTIVE', 'ACTIVE']);

                const updated = await call('PUT', url, { token, body: { member: { weight: 0 } } });
                expect(updated.status).to.equal(200);
                expect(memberOf(updated)).to.include({ provisioning_status: 'PENDING_UPDATE', weight: 0, updated_at: '2026-11-25T12:00:01' });
                expect((await member()).provisioning_status).to.equal('PENDING_UPDATE');
                expect(await statuses()).to.equal(['PENDING_UPDATE', 'PENDING_UPDATE', 'PENDING_UPDATE']);
                clock.advance(1500);
                expect(await member()).to.include({ provisioning_status: 'ACTIVE', weight: 0, updated_at: '2026-11-25T12:00:03' });

                const deleted = await call('DELETE', url, { token });
                expect(deleted.status).to.equal(204);
                expect(deleted.text).to.equal('');
                expect((await member()).provisioning_status).to.equal('PENDING_DELETE');
                expect(ids((await call('GET', membersUrl(sim), { token })).json, 'members')).to.equal([id]);
                expect((await call('DELETE', url, { token })).json).to.equal(immutablePool(POOL.id));
                clock.advance(1500);
                const gone = await call('GET', url, { token });
                expect(gone.status).to.equal(404);
                expect(gone.json).to.equal(fault(`Member ${id} not found.`));
                expect(ids((await call('GET', membersUrl(sim), { token })).json, 'members')).to.equal([]);
                expect(obj(obj((await call('GET', lbaas(sim, `/pools/${POOL.id}`), { token })).json).pool).members).to.equal([]);
                expect(sim.members(POOL.id)).to.equal([]);
                expect((await call('DELETE', url, { token })).status).to.equal(404);
                expect((await call('PUT', url, { token, body: { member: { weight: 1 } } })).status).to.equal(404);
            });
        });

        it('refuses a change to another pool of a load balancer that is busy: the load balancer is immutable', async () => {
            const clock = new ManualClock();
            await withSim({ now: clock.now, memberDelayMs: 1000 }, async (sim) => {
                const token = serviceToken(sim);
                const other = sim.addPool({ loadBalancerId: LB.id, name: 'second' }).id;
                await createMember(sim, token, { address: '10.20.0.9', protocol_port: 80 });
                const res = await postMember(sim, token, { address: '10.20.0.9', protocol_port: 80 }, other);
                expect(res.status).to.equal(409);
                expect(res.json).to.equal(immutableLoadBalancer(LB.id));
                expect(obj(obj((await call('GET', lbaas(sim, `/pools/${other}`), { token })).json).pool).provisioning_status).to.equal('ACTIVE');
                clock.advance(1000);
                expect((await postMember(sim, token, { address: '10.20.0.9', protocol_port: 80 }, other)).status).to.equal(201);
            });
        });

        it('holds a status set by hand: an ERROR pool or a PENDING load balancer refuses changes until cleared', async () => {
            await withSim({}, async (sim) => {
                const token = serviceToken(sim);
                const id = await createMember(sim, token, { address: '10.20.0.9', protocol_port: 80 });
                expect(sim.setPoolStatus(POOL.id, 'ERROR')).to.be.true();
                expect((await postMember(sim, token, { address: '10.20.0.10', protocol_port: 80 })).json).to.equal(immutablePool(POOL.id));
                expect(obj(obj((await call('GET', lbaas(sim, `/pools/${POOL.id}`), { token })).json).pool).provisioning_status).to.equal('ERROR');
                expect(sim.setPoolStatus(POOL.id, null)).to.be.true();
                expect(sim.setLoadBalancerStatus(LB.id, 'PENDING_UPDATE')).to.be.true();
                expect((await call('PUT', `${membersUrl(sim)}/${id}`, { token, body: { member: { weight: 3 } } })).json).to.equal(immutableLoadBalancer(LB.id));
                expect(sim.loadBalancers('demo')[0]?.provisioningStatus).to.equal('PENDING_UPDATE');
                expect(sim.setLoadBalancerStatus(LB.id, null)).to.be.true();
                expect((await call('DELETE', `${membersUrl(sim)}/${id}`, { token })).status).to.equal(204);
                expect(sim.setLoadBalancerStatus('nope', 'ERROR')).to.be.false();
                expect(sim.setPoolStatus('nope', 'ERROR')).to.be.false();
                expect(() => sim.setPoolStatus(POOL.id, 'BROKEN' as 'ERROR')).to.throw('unknown provisioning status BROKEN');
            });
        });

        it('refuses a second member on the same address and port (409), until the first is gone', async () => {
            const clock = new ManualClock();
            await withSim({ now: clock.now }, async (sim) => {
                const token = serviceToken(sim);
                const id = await createMember(sim, token, { address: '10.20.245.2', protocol_port: 80 });
                const again = await postMember(sim, token, { address: '10.20.245.2', protocol_port: 80, name: 'other' });
                expect(again.status).to.equal(409);
                expect(again.json).to.equal(fault('Another member on this pool is already using ip 10.20.245.2 on protocol_port 80'));
                expect((await postMember(sim, token, { address: '10.20.245.2', protocol_port: 81 })).status).to.equal(201);
                expect((await call('DELETE', `${membersUrl(sim)}/${id}`, { token })).status).to.equal(204);
                expect((await postMember(sim, token, { address: '10.20.245.2', protocol_port: 80 })).status).to.equal(201);
                expect(sim.members(POOL.id).map((m) => m.protocolPort)).to.equal([81, 80]);
            });
        });

        const refusals: readonly [string, unknown, string][] = [
            ['no address', { protocol_port: 80 }, "Invalid input for field/attribute address. Value: 'None'. Mandatory field missing."],
            ['a null address', { address: null, protocol_port: 80 }, "Invalid input for field/attribute address. Value: 'None'. Mandatory field missing."],
            ['no port', { address: '10.20.0.9' }, "Invalid input for field/attribute protocol_port. Value: 'None'. Mandatory field missing."],
            ['port 0', { address: '10.20.0.9', protocol_port: 0 }, "Invalid input for field/attribute protocol_port. Value: '0'. Value should be greater or equal to 1"],
            ['port 65536', { address: '10.20.0.9', protocol_port: 65536 }, "Invalid input for field/attribute protocol_port. Value: '65536'. Value should be lower or equal to 65535"],
            ['a port that is no number', { address: '10.20.0.9', protocol_port: 'http' }, "Invalid input for field/attribute protocol_port. Value: 'http'. invalid literal for int() with base 10: 'http'"],
            ['a port that is a list', { address: '10.20.0.9', protocol_port: [80] }, "Invalid input for field/attribute protocol_port. Value: '[80]'. invalid literal for int() with base 10: '[80]'"],
            ['weight 257', { address: '10.20.0.9', protocol_port: 80, weight: 257 }, "Invalid input for field/attribute weight. Value: '257'. Value should be lower or equal to 256"],
            ['weight -1', { address: '10.20.0.9', protocol_port: 80, weight: -1 }, "Invalid input for field/attribute weight. Value: '-1'. Value should be greater or equal to 0"],
            ['an address that is none', { address: '10.20.0', protocol_port: 80 }, "Invalid input for field/attribute address. Value: '10.20.0'. Value should be IPv4 or IPv6 format"],
            ['an address that is a number', { address: 10, protocol_port: 80 }, "Invalid input for field/attribute address. Value: '10'. Value should be IPv4 or IPv6 format"],
            ['a name that is a number', { address: '10.20.0.9', protocol_port: 80, name: 7 }, "Invalid input for field/attribute name. Value: '7'. Value should be string"],
            ['a name that is a boolean', { address: '10.20.0.9', protocol_port: 80, name: true }, "Invalid input for field/attribute name. Value: 'True'. Value should be string"],
            ['a long name', { address: '10.20.0.9', protocol_port: 80, name: 'n'.repeat(256) }, `Invalid input for field/attribute name. Value: '${'n'.repeat(256)}'. Value should have a maximum character requirement of 255`],
            ['a project that is a boolean', { address: '10.20.0.9', protocol_port: 80, project_id: false }, "Invalid input for field/attribute project_id. Value: 'False'. Value should be string"],
            ['a long project', { address: '10.20.0.9', protocol_port: 80, project_id: 'p'.repeat(37) }, `Invalid input for field/attribute project_id. Value: '${'p'.repeat(37)}'. Value should have a maximum character requirement of 36`],
            ['an ambiguous boolean', { address: '10.20.0.9', protocol_port: 80, admin_state_up: 'maybe' }, "Invalid input for field/attribute admin_state_up. Value: 'maybe'. Value not an unambiguous boolean: maybe"],
            ['a boolean that is a list', { address: '10.20.0.9', protocol_port: 80, backup: [] }, "Invalid input for field/attribute backup. Value: '[]'. Value not an unambiguous boolean: []"],
            ['a subnet that is no UUID', { address: '10.20.0.9', protocol_port: 80, subnet_id: 'public' }, "Invalid input for field/attribute subnet_id. Value: 'public'. Value should be UUID format"],
            ['a subnet that is a number', { address: '10.20.0.9', protocol_port: 80, subnet_id: 5 }, "Invalid input for field/attribute subnet_id. Value: '5'. Value should be UUID format"],
            ['tags that are not strings', { address: '10.20.0.9', protocol_port: 80, tags: ['a', 1] }, `Invalid input for field/attribute tags. Value: '["a",1]'. Value should be a list of strings of at most 255 characters`],
            ['tags that are no list', { address: '10.20.0.9', protocol_port: 80, tags: 'web' }, "Invalid input for field/attribute tags. Value: 'web'. Value should be a list of strings of at most 255 characters"],
            ['an unknown attribute', { address: '10.20.0.9', protocol_port: 80, colour: 'red' }, 'Unknown attribute for argument member_.member: colour'],
            ['unknown attributes', { address: '10.20.0.9', protocol_port: 80, size: 1, colour: 'red' }, 'Unknown attributes for argument member_.member: colour, size'],
            ['the metadata address', { address: '169.254.169.254', protocol_port: 80 }, '169.254.169.254 is not a valid option for member address'],
            ['an unknown subnet', { address: '10.20.0.9', protocol_port: 80, subnet_id: 'A0B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5' }, 'Subnet a0b1c2d3-e4f5-a6b7-c8d9-e0f1a2b3c4d5 not found.']
        ];

        for (const [what, member, message] of refusals) {
            it(`refuses a member with ${what}: 400`, async () => {
                await withSim({}, async (sim) => {
                    const res = await postMember(sim, serviceToken(sim), member as Record<string, unknown>);
                    expect(res.status).to.equal(400);
                    expect(res.json).to.equal(fault(message));
                    expect(sim.members(POOL.id)).to.equal([]);
                });
            });
        }

        it('refuses a body that is not {member: {...}}: 400', async () => {
            await withSim({}, async (sim) => {
                const token = serviceToken(sim);
                const bodies: readonly [unknown, string][] = [
                    ['{"member": ', 'Request is not in valid JSON format'],
                    [[], 'Request must be a JSON dict'],
                    [{ member: null }, "Invalid input for field/attribute member. Value: 'None'. Mandatory field missing."],
                    [{ member: [] }, 'Request must be a JSON dict'],
                    [{}, "Invalid input for field/attribute member. Value: 'None'. Mandatory field missing."],
                    [{ member: { address: '10.20.0.9', protocol_port: 80 }, extra: 1 }, 'Unknown attribute for argument member_: extra']
                ];
                for (const [body, message] of bodies) {
                    const res = await call('POST', membersUrl(sim), { token, body: typeof body === 'string' ? body : JSON.stringify(body) });
                    expect([res.status, res.json]).to.equal([400, fault(message)]);
                }

                const empty = await call('POST', membersUrl(sim), { token });
                expect([empty.status, empty.json]).to.equal([400, fault('Missing argument: "member_"')]);
            });
        });

        it('takes what wsme converts: a port as digits, booleans as words, a subnet id without dashes; a subnet the project sees', async () => {
            await withSim({}, async (sim) => {
                const acme = acmeSetup(sim);
                const token = serviceToken(sim);
                const res = await postMember(sim, token, {
                    address: '10.20.0.9', protocol_port: ' 8080 ', weight: 7.9, admin_state_up: 'off', backup: 'Yes', subnet_id: demoSubnetId.replace(/-/g, '').toUpperCase(),
                    monitor_address: 'fd00::1', monitor_port: 9000, tags: ['web'], request_sriov: false, name: null
                });
                expect(res.status).to.equal(201);
                expect(memberOf(res)).to.include({
                    protocol_port: 8080, weight: 7, admin_state_up: false, backup: true, subnet_id: demoSubnetId, monitor_address: 'fd00::1', monitor_port: 9000,
                    tags: ['web'], name: ''
                });
                // Octavia asks Neutron with the caller's token: another project's private subnet is not found.
                const hidden = await postMember(sim, token, { address: '192.168.50.9', protocol_port: 80, subnet_id: acme.subnetId });
                expect([hidden.status, hidden.json]).to.equal([400, fault(`Subnet ${acme.subnetId} not found.`)]);
                expect((await postMember(sim, acme.token, { address: '192.168.50.9', protocol_port: 80, subnet_id: acme.subnetId }, acme.poolId)).status).to.equal(201);
                expect(memberOf(await postMember(sim, token, { address: '10.20.0.10', protocol_port: true, weight: false, backup: 0 }))).to.include({ protocol_port: 1, weight: 0, backup: false });
            });
        });

        it('updates what PUT takes; a null weight or backup goes back to its default, and an address cannot change', async () => {
            await withSim({}, async (sim) => {
                const token = serviceToken(sim);
                const id = await createMember(sim, token, { address: '10.20.0.9', protocol_port: 80, name: 'a', weight: 9, backup: true, tags: ['x'] });
                const url = `${membersUrl(sim)}/${id}`;
                const put = (member: unknown): Promise<Reply> => call('PUT', url, { token, body: { member } });
                expect(memberOf(await put({ weight: null, backup: null, name: 'b', admin_state_up: false, monitor_port: 81, monitor_address: '10.20.0.1', tags: null })))
                    .to.include({ weight: 1, backup: false, name: 'b', admin_state_up: false, monitor_port: 81, monitor_address: '10.20.0.1', tags: [] });
                expect(memberOf(await put({ name: null, admin_state_up: null, tags: ['y'], backup: true }))).to.include({ name: '', admin_state_up: false, tags: ['y'], backup: true });
                expect(memberOf(await put({}))).to.include({ weight: 1, provisioning_status: 'PENDING_UPDATE' });

                const address = await put({ address: '10.20.0.10' });
                expect([address.status, address.json]).to.equal([400, fault('Unknown attribute for argument member_.member: address')]);
                const weight = await put({ weight: 300 });
                expect([weight.status, weight.json]).to.equal([400, fault("Invalid input for field/attribute weight. Value: '300'. Value should be lower or equal to 256")]);
                expect(sim.members(POOL.id)[0]).to.include({ address: '10.20.0.9', weight: 1, name: '' });
            });
        });

        it('finds a member in its own pool only, and a member path under a pool that does not exist fails in routing', async () => {
            await withSim({}, async (sim) => {
                const token = serviceToken(sim);
                const other = sim.addPool({ loadBalancerId: LB.id, name: 'second' }).id;
                const id = await createMember(sim, token, { address: '10.20.0.9', protocol_port: 80 });
                for (const method of ['GET', 'PUT', 'DELETE'] as const) {
                    const res = await call(method, `${membersUrl(sim, other)}/${id}`, { token, ...(method === 'PUT' ? { body: { member: { weight: 2 } } } : {}) });
                    expect([res.status, res.json]).to.equal([404, fault(`Member ${id} not found.`)]);
                }

                for (const method of ['GET', 'POST'] as const) {
                    const res = await call(method, membersUrl(sim, 'nope'), { token, ...(method === 'POST' ? { body: { member: { address: '10.20.0.9', protocol_port: 80 } } } : {}) });
                    expect([res.status, res.json]).to.equal([404, { code: 404, title: 'Bad Request', description: 'Pool nope not found.' }]);
                }

                expect((await call('DELETE', `${membersUrl(sim, 'nope')}/${id}`, { token })).status).to.equal(404);
                expect((await call('GET', `${membersUrl(sim)}/nope`, { token })).json).to.equal(fault('Member nope not found.'));
                expect(sim.members(POOL.id).map((m) => m.id)).to.equal([id]);
            });
        });

        it('keeps another project out of the pool\'s members (403), and lets an admin in', async () => {
            await withSim({}, async (sim) => {
                const acme = acmeSetup(sim);
                const id = await createMember(sim, serviceToken(sim), { address: '10.20.0.9', protocol_port: 80 });
                const url = `${membersUrl(sim)}/${id}`;
                const denied = [
                    await call('GET', membersUrl(sim), { token: acme.token }),
                    await postMember(sim, acme.token, { address: '10.20.0.10', protocol_port: 80 }),
                    await call('GET', url, { token: acme.token }),
                    await call('PUT', url, { token: acme.token, body: { member: { weight: 0 } } }),
                    await call('DELETE', url, { token: acme.token })
                ];
                expect(denied.map((r) => r.status)).to.equal([403, 403, 403, 403, 403]);
                expect(denied[0]?.json).to.equal(fault('Policy does not allow this request to be performed.'));

                const operator = operatorToken(sim);
                expect((await call('GET', url, { token: operator })).status).to.equal(200);
                expect((await call('PUT', url, { token: operator, body: { member: { weight: 0 } } })).status).to.equal(200);
                expect(memberOf(await postMember(sim, operator, { address: '192.168.50.3', protocol_port: 80 }, acme.poolId)).project_id).to.equal('acme');
            });
        });

        it('lists members in pages: limit and marker, links to the previous and next pages, filters and fields', async () => {
            const clock = new ManualClock();
            await withSim({ now: clock.now }, async (sim) => {
                const token = serviceToken(sim);
                const created: string[] = [];
                for (let i = 1; i <= 5; ++i) {
                    created.push(await createMember(sim, token, { address: `10.20.1.${i}`, protocol_port: 80, weight: i % 2, admin_state_up: i !== 3 }));
                    clock.advance(1000);
                }

                const url = membersUrl(sim);
                const page = async (query: string): Promise<{ ids: unknown[]; links: unknown }> => {
                    const res = await call('GET', `${url}?${query}`, { token });
                    expect(res.status).to.equal(200);
                    return { ids: ids(res.json, 'members'), links: obj(res.json).members_links };
                };

                const first = await page('limit=2');
                expect(first).to.equal({ ids: created.slice(0, 2), links: [{ rel: 'next', href: `${url}?limit=2&marker=${created[1]}` }] });
                const second = await page(`limit=2&marker=${created[1]}`);
                expect(second).to.equal({
                    ids: created.slice(2, 4),
                    links: [{ rel: 'previous', href: `${url}?limit=2&marker=${created[2]}&page_reverse=True` }, { rel: 'next', href: `${url}?limit=2&marker=${created[3]}` }]
                });
                const last = await page(`limit=2&marker=${created[3]}`);
                expect(last).to.equal({ ids: created.slice(4), links: [{ rel: 'previous', href: `${url}?limit=2&marker=${created[4]}&page_reverse=True` }] });
                // A full last page links a next one, which is empty.
                expect((await page(`limit=1&marker=${created[3]}`)).links).to.equal([
                    { rel: 'previous', href: `${url}?limit=1&marker=${created[4]}&page_reverse=True` }, { rel: 'next', href: `${url}?limit=1&marker=${created[4]}` }
                ]);
                expect(await page(`limit=1&marker=${created[4]}`)).to.equal({ ids: [], links: [] });

                expect(await page('')).to.equal({ ids: created, links: [] });
                expect(await page('limit=5000')).to.equal({ ids: created, links: [] });
                // No limit at all (0, negative or 'infinite'): everything, and Octavia still links a next page.
                for (const limit of ['0', '-3', 'infinite']) {
                    expect(await page(`limit=${limit}`)).to.equal({ ids: created, links: [{ rel: 'next', href: `${url}?limit=None&marker=${created[4]}` }] });
                }

                expect((await page('limit=2&sort=created_at:desc&sort_key=id')).links).to.equal([
                    { rel: 'next', href: `${url}?limit=2&sort=created_at:desc&sort_key=id&marker=${created[1]}` }
                ]);

                expect((await page('weight=0')).ids).to.equal([created[1], created[3]]);
                expect((await page('admin_state_up=false')).ids).to.equal([created[2]]);
                expect((await page('admin_state_up=1&weight=1')).ids).to.equal([created[0], created[4]]);
                expect((await page('admin_state_up=0')).ids).to.equal([created[2]]);
                expect((await page('address=10.20.1.4&address=10.20.1.5')).ids).to.equal(created.slice(3));
                expect((await page('protocol_port=81')).ids).to.equal([]);
                const picked = await call('GET', `${url}?fields=id&fields=address&address=10.20.1.1`, { token });
                expect(obj(picked.json).members).to.equal([{ id: created[0], address: '10.20.1.1' }]);
                const shown = await call('GET', `${url}/${created[0]}?fields=weight`, { token });
                expect(shown.json).to.equal({ member: { weight: 1 } });

                const badLimit = await call('GET', `${url}?limit=ten`, { token });
                expect([badLimit.status, badLimit.json]).to.equal([400, { code: 400, title: 'Bad Request', description: "Supplied pagination limit 'ten' is not valid." }]);
                // The limit is read on every GET, a show too.
                expect((await call('GET', `${url}/${created[0]}?limit=1.5`, { token })).status).to.equal(400);
                const badMarker = await call('GET', `${url}?marker=nope`, { token });
                expect([badMarker.status, badMarker.json]).to.equal([400, fault("Supplied pagination marker 'nope' is not valid.")]);
                const badFilter = await call('GET', `${url}?pool_id=${POOL.id}`, { token });
                expect([badFilter.status, badFilter.json]).to.equal([400, fault('One or more arguments are either duplicate or invalid')]);
            });
        });

        it('orders members created in the same second by id, as Octavia sorts on created_at then id', async () => {
            await withSim({ now: new ManualClock().now }, async (sim) => {
                const token = serviceToken(sim);
                const created: string[] = [];
                for (let i = 1; i <= 4; ++i) {
                    created.push(await createMember(sim, token, { address: `10.20.1.${i}`, protocol_port: 80 }));
                }

                const sorted = [...created].sort();
                expect(ids((await call('GET', membersUrl(sim), { token })).json, 'members')).to.equal(sorted);
                expect(ids((await call('GET', `${membersUrl(sim)}?marker=${sorted[1]}`, { token })).json, 'members')).to.equal(sorted.slice(2));
            });
        });

        it('lists a member someone else added (ACTIVE at once) beside the plugin\'s', async () => {
            // Octavia lists by created_at then id: the clock moves a second between the two, so
            // the order is theirs and not the ids' draw.
            const clock = new ManualClock();
            await withSim({ memberDelayMs: 60_000, now: clock.now }, async (sim) => {
                const foreign = sim.addMember({ poolId: POOL.id, address: '10.20.9.9', protocolPort: 80, name: 'legacy', weight: 3 });
                clock.advance(1_000);
                expect(foreign).to.include({ poolId: POOL.id, projectId: 'demo', provisioningStatus: 'ACTIVE', weight: 3, adminStateUp: true, subnetId: null });
                // Added out of band, it leaves the pool free for changes.
                const token = serviceToken(sim);
                const ours = await createMember(sim, token, { address: '10.20.0.9', protocol_port: 80 });
                const listed = await call('GET', membersUrl(sim), { token });
                expect(arr(obj(listed.json).members).map((m) => [obj(m).id, obj(m).name, obj(m).provisioning_status])).to.equal([
                    [foreign.id, 'legacy', 'ACTIVE'], [ours, '', 'PENDING_CREATE']
                ]);
                expect(sim.members(POOL.id).map((m) => m.id)).to.equal([foreign.id, ours]);
                expect(sim.pools('demo')[0]?.memberIds).to.equal([foreign.id, ours]);
            });
        });
    });
});
