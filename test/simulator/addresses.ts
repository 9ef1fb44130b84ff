// Fixed IPv4 addresses: every network has a subnet, every server an address
// on each network it is attached to, shown in Nova's `addresses` and
// never handed out twice; Neutron shows the subnets.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { DEMO, demoSubnetId, type Simulator } from '../../simulator';
import { formatIpv4, macAddress, parseCidr, parseIpv4 } from '../../simulator/model/addresses';
import { aliceToken, arr, call, createServer, ManualClock, obj, operatorToken, otherCustomer, withSim } from './helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const show = async (sim: Simulator, token: string, id: string, microversion = '2.37'): Promise<Record<string, unknown>> => {
    const res = await call('GET', `${sim.computeUrl}/servers/${id}`, { token, microversion });
    expect(res.status).to.equal(200);
    return obj(obj(res.json).server);
};

const MAC = /^fa:16:3e(:[0-9a-f]{2}){3}$/;

describe('simulator: fixed addresses', () => {

    describe('IPv4 arithmetic', () => {

        it('reads and writes dotted quads, including addresses above 127.255.255.255', () => {
            expect(parseIpv4('10.20.0.2')).to.equal(10 * 2 ** 24 + 20 * 2 ** 16 + 2);
            expect(formatIpv4(parseIpv4('255.254.253.252') as number)).to.equal('255.254.253.252');
            for (const bad of ['10.20.0', '10.20.0.256', '10.20.0.02', 'a.b.c.d', '1.2.3.4.5']) {
                expect(parseIpv4(bad)).to.be.null();
            }
        });

        it('takes an IPv4 CIDR from /8 to /30 with its host bits zero, and nothing else', () => {
            expect(parseCidr('192.168.4.0/22')).to.equal({ base: 192 * 2 ** 24 + 168 * 2 ** 16 + 4 * 256, prefix: 22 });
            for (const bad of ['10.0.0.1/24', '10.0.0.0/31', '10.0.0.0/7', '10.0.0.0', '10.0.0.0/x', 'fd00::/64', '10.0.0.256/24']) {
                expect(parseCidr(bad)).to.be.null();
            }
        });

        it('makes OpenStack-looking MAC addresses from a counter', () => {
            expect(macAddress(1)).to.equal('fa:16:3e:00:00:01');
            expect(macAddress(0x0a0b0c)).to.equal('fa:16:3e:0a:0b:0c');
        });
    });

    describe('subnets', () => {

        it('gives each network a subnet: the one asked for, or the next free /20 of 10.0.0.0/8', async () => {
            await withSim({}, async (sim) => {
                expect(sim.networks()[0]?.subnet).to.equal({ id: demoSubnetId, name: 'public-subnet', cidr: '10.20.0.0/16', gatewayIp: '10.20.0.1' });
                sim.addNetwork({ projectId: 'demo', name: 'a' });
                sim.addNetwork({ projectId: 'demo', name: 'b', subnet: { id: '0c6a4a52-8d7e-4c43-9d9e-2f35b0b8d3a1', name: 'b-net', cidr: '10.0.32.0/20' } });
                sim.addNetwork({ projectId: 'demo', name: 'c' });
                expect(sim.networks('demo').map((n) => [n.name, n.subnet.cidr, n.subnet.gatewayIp, n.subnet.name])).to.equal([
                    ['a', '10.0.16.0/20', '10.0.16.1', 'a-subnet'],
                    ['b', '10.0.32.0/20', '10.0.32.1', 'b-net'],
                    ['c', '10.0.48.0/20', '10.0.48.1', 'c-subnet']
                ]);
                expect(sim.networks('demo')[0]?.subnet.id).to.match(/^[0-9a-f-]{36}$/);
            });
        });

        it('refuses a CIDR that is not one, or overlaps another subnet, and a subnet id taken', async () => {
            await withSim({}, async (sim) => {
                expect(() => sim.addNetwork({ projectId: 'demo', name: 'x', subnet: { cidr: '10.20.0.1/24' } })).to.throw('cidr 10.20.0.1/24 is not an IPv4 network from /8 to /30');
                expect(() => sim.addNetwork({ projectId: 'demo', name: 'x', subnet: { cidr: '10.20.128.0/24' } }))
                    .to.throw(`cidr 10.20.128.0/24 overlaps subnet ${demoSubnetId} (10.20.0.0/16)`);
                expect(() => sim.addNetwork({ projectId: 'demo', name: 'x', subnet: { cidr: '10.0.0.0/8' } })).to.throw(/overlaps/);
                expect(() => sim.addNetwork({ projectId: 'demo', name: 'x', subnet: { id: demoSubnetId } })).to.throw(`subnet ${demoSubnetId} exists`);
                expect(sim.networks('demo')).to.equal([]);
            });
        });

        it('adds a network with the subnet asked for over /_sim', async () => {
            await withSim({}, async (sim) => {
                const res = await call('POST', `${sim.controlUrl}/networks`, { body: { projectId: 'demo', name: 'n', subnet: { id: '5f3c2b1a-0000-4000-8000-000000000009', name: 's', cidr: '172.16.0.0/24' } } });
                expect(res.status).to.equal(201);
                expect(sim.networks('demo')[0]?.subnet).to.equal({ id: '5f3c2b1a-0000-4000-8000-000000000009', name: 's', cidr: '172.16.0.0/24', gatewayIp: '172.16.0.1' });
                const bad = await call('POST', `${sim.controlUrl}/networks`, { body: { projectId: 'demo', name: 'm', subnet: { cidr: 24 } } });
                expect([bad.status, obj(bad.json).error]).to.equal([400, 'cidr must be a string']);
            });
        });

        it('shows a subnet to whoever sees its network, in Neutron\'s shape', async () => {
            await withSim({}, async (sim) => {
                const acme = otherCustomer(sim);
                const theirs = sim.addNetwork({ projectId: 'acme', name: 'private', subnet: { cidr: '192.168.10.0/24' } }).id;
                const theirSubnet = sim.networks('acme')[0]?.subnet.id as string;
                const alice = aliceToken(sim);
                const url = `${sim.networkUrl}/v2.0/subnets`;
                const shown = await call('GET', `${url}/${demoSubnetId}`, { token: alice });
                expect(shown.status).to.equal(200);
                expect(obj(shown.json).subnet).to.include({
                    id: demoSubnetId, name: 'public-subnet', network_id: DEMO.network.id, project_id: DEMO.adminProject.id, ip_version: 4,
                    cidr: '10.20.0.0/16', gateway_ip: '10.20.0.1', allocation_pools: [{ start: '10.20.0.2', end: '10.20.255.254' }], enable_dhcp: true
                });
                const hidden = await call('GET', `${url}/${theirSubnet}`, { token: alice });
                expect(hidden.status).to.equal(404);
                expect(hidden.json).to.equal({ NeutronError: { type: 'SubnetNotFound', message: `Subnet ${theirSubnet} could not be found.`, detail: '' } });
                expect((await call('GET', `${url}/${theirSubnet}`, { token: acme.token })).status).to.equal(200);
                expect((await call('GET', `${url}/${theirSubnet}`, { token: operatorToken(sim) })).status).to.equal(200);
                expect((await call('GET', `${url}/nope`, { token: operatorToken(sim) })).status).to.equal(404);

                const ids = async (token: string, query = ''): Promise<unknown[]> => arr(obj((await call('GET', `${url}${query}`, { token })).json).subnets).map((s) => obj(s).id);
                expect(await ids(alice)).to.equal([demoSubnetId]);
                expect(await ids(acme.token)).to.equal([demoSubnetId, theirSubnet]);
                expect(await ids(acme.token, `?network_id=${theirs}`)).to.equal([theirSubnet]);
                expect(await ids(acme.token, '?cidr=192.168.10.0/24&fields=id')).to.equal([theirSubnet]);
                expect((await call('GET', `${url}?allocation_pools=x`, { token: alice })).status).to.equal(400);

                const network = await call('GET', `${sim.networkUrl}/v2.0/networks/${DEMO.network.id}`, { token: alice });
                expect(obj(obj(network.json).network).subnets).to.equal([demoSubnetId]);
            });
        });
    });

    describe('servers', () => {

        it('gives a server an address on each network asked for, shown in Nova\'s addresses and the simulator\'s view', async () => {
            await withSim({}, async (sim) => {
                const own = sim.addNetwork({ projectId: 'demo', name: 'private', subnet: { cidr: '192.168.0.0/24' } }).id;
                const token = aliceToken(sim);
                const id = await createServer(sim, token, { networks: [{ uuid: DEMO.network.id }, { uuid: own }] });
                const server = await show(sim, token, id);
                const addresses = obj(server.addresses);
                expect(Object.keys(addresses)).to.equal(['public', 'private']);
                // 10.20.0.2 is the demo load balancer's VIP.
                expect(arr(addresses.public).map(obj)).to.equal([{ version: 4, addr: '10.20.0.3', 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': arr(addresses.public).map(obj)[0]?.['OS-EXT-IPS-MAC:mac_addr'] }]);
                expect(obj(arr(addresses.private)[0])).to.include({ version: 4, addr: '192.168.0.2', 'OS-EXT-IPS:type': 'fixed' });
                const [held] = sim.servers('demo');
                expect(held?.addresses.map((a) => [a.networkId, a.networkName, a.subnetId, a.address])).to.equal([
                    [DEMO.network.id, 'public', demoSubnetId, '10.20.0.3'],
                    [own, 'private', sim.networks('demo')[0]?.subnet.id, '192.168.0.2']
                ]);
                expect(held?.addresses.every((a) => MAC.test(a.macAddress))).to.be.true();
                expect(new Set(held?.addresses.map((a) => a.macAddress)).size).to.equal(2);
            });
        });

        it('hands each address out once, and keeps a server\'s for its life (listing, status changes, deleting)', async () => {
            const clock = new ManualClock();
            await withSim({ deleteDelayMs: 60_000, now: clock.now }, async (sim) => {
                const token = aliceToken(sim);
                const publicOf = async (id: string): Promise<unknown[]> => arr(obj((await show(sim, token, id)).addresses).public).map((a) => obj(a).addr);
                const first = await createServer(sim, token, { networks: [{ uuid: DEMO.network.id }] });
                clock.advance(1000);
                const second = await createServer(sim, token, { networks: [{ uuid: DEMO.network.id }, { uuid: DEMO.network.id }] });
                // Two ports on one network: one key, two addresses.
                expect(await publicOf(first)).to.equal(['10.20.0.3']);
                expect(await publicOf(second)).to.equal(['10.20.0.4', '10.20.0.5']);

                sim.setServerStatus(first, 'SHUTOFF');
                expect((await call('DELETE', `${sim.computeUrl}/servers/${first}`, { token })).status).to.equal(204);
                expect(await publicOf(first)).to.equal(['10.20.0.3']);
                const listed = await call('GET', `${sim.computeUrl}/servers/detail`, { token });
                expect(arr(obj(listed.json).servers).map((s) => arr(obj(obj(s).addresses).public).map((a) => obj(a).addr))).to.equal([
                    ['10.20.0.4', '10.20.0.5'], ['10.20.0.3']
                ]);

                // Never again, even once the server is gone.
                clock.advance(60_000);
                expect(sim.servers().map((s) => s.id)).to.equal([second]);
                const third = await createServer(sim, token, { networks: [{ uuid: DEMO.network.id }] });
                expect(await publicOf(third)).to.equal(['10.20.0.6']);
                const all = sim.servers().flatMap((s) => s.addresses.map((a) => a.address));
                expect(new Set(all).size).to.equal(all.length);
            });
        });

        it('attaches "auto" to the project\'s own network, else a shared one; "none" and a port to nothing', async () => {
            await withSim({}, async (sim) => {
                const token = aliceToken(sim);
                const shared = await createServer(sim, token, { networks: 'auto' });
                expect(Object.keys(obj((await show(sim, token, shared)).addresses))).to.equal(['public']);
                const none = await createServer(sim, token, { networks: 'none' });
                expect((await show(sim, token, none)).addresses).to.equal({});
                const port = await createServer(sim, token, { networks: [{ port: '6c1f0e1a-3f5b-4d8e-9a2c-7b6d5e4f3a2b' }] });
                expect((await show(sim, token, port)).addresses).to.equal({});

                sim.addNetwork({ projectId: 'demo', name: 'mine' });
                const own = await createServer(sim, token, { networks: 'auto' });
                expect(Object.keys(obj((await show(sim, token, own)).addresses))).to.equal(['mine']);
                // Before 2.37 no networks means the same as 'auto'.
                const res = await call('POST', `${sim.computeUrl}/servers`, { token, body: { server: { name: 'old', imageRef: DEMO.image.id, flavorRef: '1' } } });
                const old = String(obj(obj(res.json).server).id);
                expect(Object.keys(obj((await show(sim, token, old, '2.1')).addresses))).to.equal(['mine']);
            });
        });

        it('leaves a server with no network to attach to "auto" without an address', async () => {
            await withSim({ demo: false }, async (sim) => {
                sim.addProject({ id: 'p', name: 'p' });
                sim.addUser({ name: 'u', password: 'pw', roles: [{ projectId: 'p', role: 'member' }] });
                sim.addFlavor({ id: '1', name: 'f', ram: 1, vcpus: 1, disk: 1 });
                const image = sim.addImage({ name: 'i' }).id;
                const token = sim.issueToken({ userName: 'u', projectId: 'p' });
                const id = await createServer(sim, token, { networks: 'auto', imageRef: image, flavorRef: '1' });
                expect(sim.servers('p')[0]).to.include({ id, status: 'ACTIVE', addresses: [] });
            });
        });

        it('fails the build (ERROR) when the subnet has no address left', async () => {
            await withSim({}, async (sim) => {
                const tiny = sim.addNetwork({ projectId: 'demo', name: 'tiny', subnet: { cidr: '192.168.1.0/30' } }).id;
                const token = aliceToken(sim);
                const fits = await createServer(sim, token, { networks: [{ uuid: tiny }] });
                expect(obj(arr(obj((await show(sim, token, fits)).addresses).tiny)[0]).addr).to.equal('192.168.1.2');
                const full = await createServer(sim, token, { networks: [{ uuid: tiny }] });
                const server = await show(sim, token, full);
                expect(server).to.include({ status: 'ERROR', addresses: {} });
                expect(() => sim.addServer('demo', { name: 'oob', networks: [tiny] })).to.throw(`no address left on a subnet of network ${tiny}`);
            });
        });

        it('gives an out-of-band server addresses on the networks named, and none by default', async () => {
            await withSim({}, async (sim) => {
                const server = sim.addServer('demo', { name: 'foreign', networks: [DEMO.network.id] });
                expect(server.addresses.map((a) => a.address)).to.equal(['10.20.0.3']);
                expect(server.networks).to.equal([{ uuid: DEMO.network.id }]);
                expect(sim.addServer('demo', { name: 'bare' }).addresses).to.equal([]);
                expect(() => sim.addServer('demo', { name: 'x', networks: ['nope'] })).to.throw('no network nope');

                const res = await call('POST', `${sim.controlUrl}/servers`, { body: { projectId: 'demo', name: 'over-http', networks: [DEMO.network.id] } });
                expect(res.status).to.equal(201);
                expect(arr(obj(obj(res.json).server).addresses).map((a) => obj(a).address)).to.equal(['10.20.0.4']);
                expect((await call('POST', `${sim.controlUrl}/servers`, { body: { projectId: 'demo', name: 'x', networks: 'public' } })).status).to.equal(400);
            });
        });
    });
});
