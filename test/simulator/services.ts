// Glance and Neutron beside Nova: in the catalog (or left out), logged and
// faulted like compute, and driven through /_sim.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { DEMO } from '../../simulator';
import { aliceToken, arr, call, obj, passwordAuth, withSim } from './helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const catalogOf = async (sim: { readonly authUrl: string }): Promise<Record<string, unknown>[]> => {
    const res = await call('POST', `${sim.authUrl}/auth/tokens`, { body: passwordAuth('alice', 'secret') });
    return arr(obj(obj(res.json).token).catalog).map(obj);
};

describe('simulator: Glance and Neutron as services', () => {

    describe('catalog', () => {

        it('lists glance (image) and neutron (network) like compute: three interfaces in the region', async () => {
            await withSim({ region: 'East' }, async (sim) => {
                const catalog = await catalogOf(sim);
                expect(catalog.map((s) => `${String(s.type)}/${String(s.name)}`))
                    .to.equal(['compute/nova', 'identity/keystone', 'image/glance', 'network/neutron', 'load-balancer/octavia']);
                for (const [type, url] of [['image', sim.imageUrl], ['network', sim.networkUrl]]) {
                    const endpoints = arr(catalog.find((s) => s.type === type)?.endpoints).map(obj);
                    expect(endpoints.map((e) => e.interface)).to.equal(['public', 'internal', 'admin']);
                    expect(endpoints.every((e) => e.url === url && e.region === 'East' && e.region_id === 'East')).to.be.true();
                }

                expect(sim.imageUrl).to.equal(`${sim.origin}/image`);
                expect(sim.networkUrl).to.equal(`${sim.origin}/networking`);
            });
        });

        it('runs without Glance or Neutron: left out of the catalog and not served', async () => {
            await withSim({ services: { image: false } }, async (sim) => {
                expect((await catalogOf(sim)).map((s) => s.type)).to.equal(['compute', 'identity', 'network', 'load-balancer']);
                const token = aliceToken(sim);
                expect((await call('GET', `${sim.imageUrl}/v2/images`, { token })).status).to.equal(404);
                expect((await call('GET', `${sim.networkUrl}/v2.0/networks`, { token })).status).to.equal(200);
                // Nova still has its images.
                expect((await call('GET', `${sim.computeUrl}/images/${DEMO.image.id}`, { token })).status).to.equal(200);
                expect(sim.requests.map((r) => r.service)).to.equal(['identity', 'network', 'compute']);
            });

            await withSim({ services: { network: false } }, async (sim) => {
                expect((await catalogOf(sim)).map((s) => s.type)).to.equal(['compute', 'identity', 'image', 'load-balancer']);
                expect((await call('GET', `${sim.networkUrl}/v2.0/networks`, { token: aliceToken(sim) })).status).to.equal(404);
            });
        });
    });

    it('logs image and network requests with the token\'s project, as compute', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            await call('GET', `${sim.imageUrl}/v2/images?limit=2`, { token });
            await call('GET', `${sim.networkUrl}/v2.0/networks/${DEMO.network.id}`, { token });
            await call('GET', `${sim.networkUrl}/v2.0/networks`);
            expect(sim.requests[0]).to.include({ service: 'image', method: 'GET', path: '/v2/images', query: { limit: '2' }, status: 200, projectId: 'demo' });
            expect(sim.requests[1]).to.include({ service: 'network', path: `/v2.0/networks/${DEMO.network.id}`, status: 200, projectId: 'demo' });
            expect(sim.requests[2]).to.include({ service: 'network', status: 401, projectId: null });
            expect(sim.requests.some((r) => r.microversion !== undefined)).to.be.false();
        });
    });

    describe('faults', () => {

        it('puts Glance on 503 in its own error shape, leaving Nova and Neutron up', async () => {
            await withSim({}, async (sim) => {
                const token = aliceToken(sim);
                const { id } = sim.faults.add({ service: 'image', status: 503, headers: { 'Retry-After': '9' } });
                const down = await call('GET', `${sim.imageUrl}/v2/images/${DEMO.image.id}`, { token });
                expect(down.status).to.equal(503);
                expect(down.headers['retry-after']).to.equal('9');
                expect(down.text).to.equal('503 Service Unavailable\n\nInjected fault: Service Unavailable\n\n   ');
                expect(sim.requests.at(-1)).to.include({ service: 'image', status: 503, fault: id });
                expect((await call('GET', `${sim.networkUrl}/v2.0/networks`, { token })).status).to.equal(200);
                expect((await call('GET', `${sim.computeUrl}/servers`, { token })).status).to.equal(200);
                sim.faults.clear();
                sim.faults.add({ service: 'image', status: 599 });
                expect((await call('GET', `${sim.imageUrl}/v2/images`, { token })).text).to.startWith('599 Error\n\n');
            });
        });

        it('puts Neutron on 503 or 500 in NeutronError, by path', async () => {
            await withSim({}, async (sim) => {
                const token = aliceToken(sim);
                sim.faults.add({ service: 'network', path: /^\/v2\.0\/security-groups/, status: 500, times: 1 });
                sim.faults.add({ service: 'network', status: 503 });
                const failed = await call('GET', `${sim.networkUrl}/v2.0/security-groups?name=default`, { token });
                expect(failed.json).to.equal({ NeutronError: { type: 'HTTPInternalServerError', message: 'Injected fault: Internal Server Error', detail: '' } });
                // Not handled: the default group was not made.
                expect(sim.securityGroups('demo')).to.equal([]);
                const down = await call('GET', `${sim.networkUrl}/v2.0/networks`, { token });
                expect(obj(obj(down.json).NeutronError).type).to.equal('HTTPServiceUnavailable');
                sim.faults.clear();
                sim.faults.add({ service: 'network', status: 418 });
                expect(obj(obj((await call('GET', `${sim.networkUrl}/v2.0/networks`, { token })).json).NeutronError).type).to.equal('HTTPError');
                expect((await call('GET', `${sim.imageUrl}/v2/images`, { token })).status).to.equal(200);
            });
        });

        it('hangs a Glance request until the client gives up', async () => {
            await withSim({}, async (sim) => {
                sim.faults.add({ service: 'image', path: '/v2/images', hang: true, times: 1 });
                const hanging = call('GET', `${sim.imageUrl}/v2/images`, { token: aliceToken(sim), signal: AbortSignal.timeout(100) });
                await expect(hanging).to.reject();
                expect(sim.requests.at(-1)).to.include({ service: 'image', status: 0 });
                expect((await call('GET', `${sim.imageUrl}/v2/images`, { token: aliceToken(sim) })).status).to.equal(200);
            });
        });

        it('takes image and network rules over /_sim', async () => {
            await withSim({}, async (sim) => {
                for (const service of ['image', 'network']) {
                    expect((await call('POST', `${sim.controlUrl}/faults`, { body: { service, status: 502 } })).status).to.equal(201);
                }

                const token = aliceToken(sim);
                expect((await call('GET', `${sim.imageUrl}/v2/images`, { token })).status).to.equal(502);
                expect((await call('GET', `${sim.networkUrl}/v2.0/networks`, { token })).status).to.equal(502);
                const refused = await call('POST', `${sim.controlUrl}/faults`, { body: { service: 'volume' } });
                expect(obj(refused.json).error).to.equal('service must be one of identity, compute, image, network, load-balancer');
            });
        });
    });

    describe('/_sim', () => {

        it('adds and lists flavors, images, networks and security groups', async () => {
            await withSim({}, async (sim) => {
                const post = async (path: string, body: unknown) => await call('POST', `${sim.controlUrl}${path}`, { body });
                const get = async (path: string) => obj((await call('GET', `${sim.controlUrl}${path}`)).json);

                const flavor = await post('/flavors', { id: '10', name: 'm1.gold', ram: 8192, vcpus: 4, disk: 80, isPublic: false, access: ['demo'] });
                expect(flavor.status).to.equal(201);
                expect(obj(flavor.json).flavor).to.equal({ id: '10', name: 'm1.gold' });
                expect(arr((await get('/flavors')).flavors).map(obj).at(-1)).to.equal({ id: '10', name: 'm1.gold', ram: 8192, vcpus: 4, disk: 80, isPublic: false, access: ['demo'] });

                const image = await post('/images', { id: 'a1b2', name: 'shared', owner: 'demo', visibility: 'shared', members: [DEMO.serviceProject.id] });
                expect(obj(image.json).image).to.equal({ id: 'a1b2', name: 'shared' });
                expect(arr((await get('/images')).images).map(obj).at(-1)).to.include({ id: 'a1b2', owner: 'demo', visibility: 'shared', members: [DEMO.serviceProject.id] });
                expect(obj(obj((await post('/images', { name: 'plain' })).json).image).id).to.match(/^[0-9a-f-]{36}$/);

                const network = await post('/networks', { projectId: 'demo', name: 'private', shared: false });
                const networkId = String(obj(obj(network.json).network).id);
                const [held] = sim.networks('demo');
                expect(arr((await get('/networks?projectId=demo')).networks).map(obj)).to.equal([
                    { id: networkId, projectId: 'demo', name: 'private', shared: false, subnet: held?.subnet, created: held?.created.toISOString() }
                ]);
                expect(arr((await get('/networks')).networks)).to.have.length(2);

                const group = await post('/security-groups', { id: 'sg-1', projectId: 'demo', name: 'web', description: 'HTTP in' });
                expect(obj(group.json).securityGroup).to.equal({ id: 'sg-1', name: 'web' });
                expect(arr((await get('/security-groups?projectId=demo')).securityGroups).map(obj)[0]).to.include({ id: 'sg-1', description: 'HTTP in' });
                expect(arr((await get('/security-groups')).securityGroups)).to.have.length(1);
            });
        });

        it('refuses what cannot be added, with 400', async () => {
            await withSim({}, async (sim) => {
                const bad: [string, unknown][] = [
                    ['/flavors', { id: '10', name: 'x', ram: 1, vcpus: 1 }],
                    ['/flavors', { id: '10', name: 'x', ram: 1, vcpus: 1, disk: 1, access: 'demo' }],
                    ['/flavors', { id: '10', name: 'x', ram: 1, vcpus: 1, disk: 1, access: ['demo'] }],
                    ['/images', { name: 'x', visibility: 'hidden' }],
                    ['/images', { name: 'x', visibility: 'private' }],
                    ['/images', { name: 'x', members: [1] }],
                    ['/networks', { name: 'x' }],
                    ['/networks', { projectId: 'nope', name: 'x' }],
                    ['/networks', { projectId: 'demo', name: 'x', shared: 'yes' }],
                    ['/security-groups', { projectId: 'demo' }],
                    ['/security-groups', { projectId: 'nope', name: 'web' }]
                ];
                for (const [path, body] of bad) {
                    const res = await call('POST', `${sim.controlUrl}${path}`, { body });
                    expect(res.status, `${path} ${JSON.stringify(body)}`).to.equal(400);
                    expect(obj(res.json).error).to.be.a.string();
                }

                expect(sim.flavors()).to.have.length(2);
                expect(sim.images()).to.have.length(1);
                expect(sim.networks()).to.have.length(1);
                expect(sim.securityGroups()).to.have.length(0);
            });
        });
    });
});
