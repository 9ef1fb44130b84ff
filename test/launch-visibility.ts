// Contract §3 against the simulator over real HTTP, with the plugin's own
// Keystone scheme: what a launch configuration names is looked up with the
// writer's token. Another project's image, network, security group or private
// flavor is a 400 naming the field, nothing is stored, and Nova hears nothing.
import * as Code from '@hapi/code';
import Hapi from '@hapi/hapi';
import * as Lab from '@hapi/lab';
import { randomUUID } from 'node:crypto';
import { plugin } from '../plugin';
import { DEMO, demoNetworkId, demoServiceAccount, startSimulator, type Simulator } from '../simulator';
import { testDatabase } from './support/database';
import { expectRefused } from './support/refusal';
import { field } from './support/server';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const project = (): string => `p${randomUUID().replace(/-/g, '').slice(0, 12)}`;

describe('launch configuration: what the writer\'s project can see (simulator)', () => {
    let sim: Simulator;
    let server: Hapi.Server;
    const a = project();
    const b = project();
    const tokens = { a: '', b: '' };
    const ids = { image: '', privateImage: '', network: '', theirNetwork: '', theirGroup: 'b-only', theirFlavor: 'b-flavor', ownGroup: 'web' };

    before(async () => {
        sim = await startSimulator({ demo: true });
        for (const id of [a, b]) {
            sim.addProject({ id, name: id });
            sim.addUser({ name: `user-${id}`, password: 'pw', defaultProjectId: id, roles: [{ projectId: id, role: 'member' }] });
            sim.grantRole({ userName: DEMO.serviceUser.name, projectId: id, role: 'member' });
        }

        tokens.a = sim.issueToken({ userName: `user-${a}`, projectId: a });
        tokens.b = sim.issueToken({ userName: `user-${b}`, projectId: b });
        ids.image = sim.addImage({ name: 'a-private', owner: a, visibility: 'private' }).id;
        ids.privateImage = sim.addImage({ name: 'b-private', owner: b, visibility: 'private' }).id;
        ids.network = sim.addNetwork({ projectId: a, name: 'a-net' }).id;
        ids.theirNetwork = sim.addNetwork({ projectId: b, name: 'b-net' }).id;
        sim.addSecurityGroup({ projectId: a, name: ids.ownGroup });
        sim.addSecurityGroup({ projectId: b, name: ids.theirGroup });
        sim.addFlavor({ id: ids.theirFlavor, name: 'b.flavor', ram: 512, vcpus: 1, disk: 1, isPublic: false, access: [b] });

        const db = await testDatabase();
        server = Hapi.server();
        await server.register({
            plugin,
            options: {
                schedules: { intervalMs: 0 },
                database: { knex: db.knex }, openstack: { serviceAccount: demoServiceAccount(sim) },
                converger: { recheckMs: 0, stormGuard: false }, supervisor: { debounceMs: 0 }, alerts: { intervalMs: 0, pruneIntervalMs: 0 }
            }
        }, { routes: { prefix: '/autoscale' } });
        await server.initialize();
    });

    after(async () => {
        await server.stop();
        await sim.stop();
    });

    const api = (token: string, method: string, path: string, payload?: object) =>
        server.inject({ method, url: `/autoscale/v1.0${path}`, headers: { 'x-auth-token': token }, ...(payload ? { payload } : {}) });

    // Everything tenant A may name: its own and what is shared with every project.
    const ownServer = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
        name: 'web', flavorRef: DEMO.flavors.tiny.id, imageRef: ids.image,
        networks: [{ uuid: ids.network }, { uuid: demoNetworkId }], security_groups: [{ name: ids.ownGroup }, { name: 'default' }],
        block_device_mapping_v2: [{ source_type: 'image', uuid: DEMO.image.id, destination_type: 'volume', volume_size: 1, boot_index: 0, delete_on_termination: true }],
        ...over
    });
    const group = (server: Record<string, unknown>, minEntities = 1) => ({
        groupConfiguration: { name: 'visible', cooldown: 0, minEntities, maxEntities: 3 }, launchConfiguration: { type: 'launch_server', args: { server } }
    });
    const novaCreates = (): number => sim.requests.filter((r) => r.service === 'compute' && r.method === 'POST' && r.path === '/servers').length;

    const foreign: { what: string; over: () => Record<string, unknown>; field: string }[] = [
        { what: 'another project\'s private image', over: () => ({ imageRef: ids.privateImage }), field: 'args.server.imageRef' },
        { what: 'another project\'s image as a disk', over: () => ({ block_device_mapping_v2: [{ source_type: 'image', uuid: ids.privateImage, destination_type: 'local', boot_index: 0, delete_on_termination: true }] }), field: 'args.server.block_device_mapping_v2.0.uuid' },
        { what: 'another project\'s network', over: () => ({ networks: [{ uuid: ids.network }, { uuid: ids.theirNetwork }] }), field: 'args.server.networks.1.uuid' },
        { what: 'another project\'s security group', over: () => ({ security_groups: [{ name: ids.theirGroup }] }), field: 'args.server.security_groups.0.name' },
        { what: 'a private flavor of another project', over: () => ({ flavorRef: ids.theirFlavor }), field: 'args.server.flavorRef' },
        { what: 'an image that does not exist', over: () => ({ imageRef: randomUUID() }), field: 'args.server.imageRef' }
    ];

    for (const row of foreign) {
        it(`refuses ${row.what} on POST and on PUT launch, naming the field, with nothing stored and nothing sent to Nova`, async () => {
            const sent = novaCreates();
            await expectRefused(a, () => api(tokens.a, 'POST', `/${a}/groups`, group(ownServer(row.over()))),
                { status: 400, type: 'ValidationError', field: `launchConfiguration.${row.field}` });

            const created = await api(tokens.a, 'POST', `/${a}/groups`, group(ownServer(), 0));
            expect(created.statusCode, created.payload).to.equal(201);
            const groupId = String(field(created.result, 'group', 'id'));
            await expectRefused(a, () => api(tokens.a, 'PUT', `/${a}/groups/${groupId}/launch`, { type: 'launch_server', args: { server: ownServer(row.over()) } }),
                { status: 400, type: 'ValidationError', field: row.field });
            expect(novaCreates()).to.equal(sent);
            expect((await api(tokens.a, 'DELETE', `/${a}/groups/${groupId}`)).statusCode).to.equal(204);
        });
    }

    it('takes what the project can see, asking with the writer\'s own token, and Nova then creates the server as written', async () => {
        // A token of its own: what another token saw lately is that token's.
        const token = sim.issueToken({ userName: `user-${a}`, projectId: a });
        const asked = sim.requests.length;
        const created = await api(token, 'POST', `/${a}/groups`, group(ownServer()));
        expect(created.statusCode, created.payload).to.equal(201);
        const groupId = String(field(created.result, 'group', 'id'));

        // Every lookup went to Glance, Nova or Neutron as tenant A, never as the service account's project.
        const lookups = sim.requests.slice(asked).filter((r) => r.service === 'image' || r.service === 'network' || (r.service === 'compute' && r.path.startsWith('/flavors/')));
        expect(lookups.map((r) => `${r.service} ${r.method} ${r.path}`).sort()).to.equal([
            `compute GET /flavors/${DEMO.flavors.tiny.id}`,
            `image GET /v2/images/${DEMO.image.id}`,
            `image GET /v2/images/${ids.image}`,
            `network GET /v2.0/networks/${demoNetworkId}`,
            `network GET /v2.0/networks/${ids.network}`,
            'network GET /v2.0/security-groups',
            'network GET /v2.0/security-groups'
        ].sort());
        expect(new Set(lookups.map((r) => r.projectId))).to.equal(new Set([a]));

        await server.plugins['nova-autoscale'].convergeOnce(groupId);
        const create = sim.requests.filter((r) => r.service === 'compute' && r.method === 'POST' && r.path === '/servers' && r.projectId === a);
        expect(create.map((r) => r.status)).to.equal([202]);
        // Gone before the next test compares tenant A's rows: nothing of this group is still being written.
        expect((await api(tokens.a, 'DELETE', `/${a}/groups/${groupId}?force=true`)).statusCode).to.equal(202);
        for (let i = 0; i < 10 && (await api(tokens.a, 'GET', `/${a}/groups/${groupId}`)).statusCode !== 404; i++) {
            await server.plugins['nova-autoscale'].convergeOnce(groupId);
        }

        expect((await api(tokens.a, 'GET', `/${a}/groups/${groupId}`)).statusCode).to.equal(404);
    });

    it('lets tenant B name its own things that tenant A may not', async () => {
        const created = await api(tokens.b, 'POST', `/${b}/groups`, group({
            name: 'b', flavorRef: ids.theirFlavor, imageRef: ids.privateImage, networks: [{ uuid: ids.theirNetwork }], security_groups: [{ name: ids.theirGroup }]
        }, 0));
        expect(created.statusCode, created.payload).to.equal(201);
    });

    it('answers 503 with Retry-After and stores nothing when Glance cannot answer', async () => {
        // An image not asked about yet: what was seen lately is not asked again.
        const fresh = sim.addImage({ name: 'a-fresh', owner: a, visibility: 'private' }).id;
        const rule = sim.faults.add({ service: 'image', status: 503 });
        try {
            const error = await expectRefused(a, () => api(tokens.a, 'POST', `/${a}/groups`, group(ownServer({ imageRef: fresh }))), { status: 503, type: 'ServiceUnavailableError' });
            expect(error.message).to.contain('Glance answered 503');
        }
        finally {
            sim.faults.remove(rule.id);
        }
    });
});
