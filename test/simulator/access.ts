// What a project may use, as Nova sees it with the caller's token: private
// flavors, and on create the image, flavor, networks and security groups.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { DEMO, type Simulator } from '../../simulator';
import { aliceToken, arr, call, obj, operatorToken, otherCustomer, serverBody, withSim, type ServerBody } from './helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const GOLD = { id: '10', name: 'm1.gold', ram: 8192, vcpus: 4, disk: 80 };

const flavorIds = async (sim: Simulator, token: string, query = ''): Promise<string[]> => {
    return arr(obj((await call('GET', `${sim.computeUrl}/flavors${query}`, { token })).json).flavors).map((f) => String(obj(f).id));
};

describe('simulator: what a project may use', () => {

    describe('private flavors', () => {

        it('shows a private flavor to the projects given access and to an admin, 404 to the others', async () => {
            await withSim({}, async (sim) => {
                const acme = otherCustomer(sim);
                sim.addFlavor({ ...GOLD, isPublic: false, access: ['acme'] });
                const url = `${sim.computeUrl}/flavors/${GOLD.id}`;
                const hidden = await call('GET', url, { token: aliceToken(sim) });
                expect(hidden.status).to.equal(404);
                expect(obj(hidden.json).itemNotFound).to.equal({ code: 404, message: `Flavor ${GOLD.id} could not be found.` });
                const shown = await call('GET', url, { token: acme.token });
                expect(obj(obj(shown.json).flavor)).to.include({ id: GOLD.id, 'os-flavor-access:is_public': false });
                expect((await call('GET', url, { token: operatorToken(sim) })).status).to.equal(200);
                const tiny = await call('GET', `${sim.computeUrl}/flavors/${DEMO.flavors.tiny.id}`, { token: acme.token });
                expect(obj(obj(tiny.json).flavor)['os-flavor-access:is_public']).to.equal(true);
            });
        });

        it('lists the public flavors and those the project has access to; an admin the public ones unless it asks', async () => {
            await withSim({}, async (sim) => {
                const acme = otherCustomer(sim);
                sim.addFlavor({ ...GOLD, isPublic: false, access: ['acme'] });
                sim.addFlavor({ id: '11', name: 'm1.secret', ram: 1, vcpus: 1, disk: 1, isPublic: false });
                expect(await flavorIds(sim, aliceToken(sim))).to.equal(['1', '2']);
                expect(await flavorIds(sim, acme.token)).to.equal(['1', '2', '10']);
                expect(await flavorIds(sim, acme.token, '/detail')).to.equal(['1', '2', '10']);
                // A project's ?is_public is not its to choose.
                expect(await flavorIds(sim, acme.token, '?is_public=none')).to.equal(['1', '2', '10']);

                const operator = operatorToken(sim);
                expect(await flavorIds(sim, operator)).to.equal(['1', '2']);
                expect(await flavorIds(sim, operator, '?is_public=None')).to.equal(['1', '2', '10', '11']);
                expect(await flavorIds(sim, operator, '/detail?is_public=false')).to.equal(['10', '11']);
                expect(await flavorIds(sim, operator, '?is_public=1')).to.equal(['1', '2']);
                const bad = await call('GET', `${sim.computeUrl}/flavors?is_public=maybe`, { token: operator });
                expect(bad.status).to.equal(400);
                expect(obj(bad.json).badRequest).to.equal({ code: 400, message: 'Invalid is_public filter [maybe]' });
                expect(sim.flavors().map((f) => [f.id, f.isPublic, f.access])).to.equal([['1', true, []], ['2', true, []], ['10', false, ['acme']], ['11', false, []]]);
            });
        });

        it('refuses access to a public flavor, or for a project that does not exist', async () => {
            await withSim({}, async (sim) => {
                expect(() => sim.addFlavor({ ...GOLD, access: ['demo'] })).to.throw('flavor 10 is public: access is for private flavors');
                expect(() => sim.addFlavor({ ...GOLD, isPublic: false, access: ['nope'] })).to.throw('no project nope');
            });
        });
    });

    it('shows through the image proxy what Glance shows the project', async () => {
        await withSim({}, async (sim) => {
            otherCustomer(sim);
            const theirs = sim.addImage({ name: 'theirs', visibility: 'private', owner: 'acme' }).id;
            sim.addImage({ name: 'community', visibility: 'community', owner: 'acme' });
            const alice = aliceToken(sim);
            const listed = await call('GET', `${sim.computeUrl}/images/detail`, { token: alice });
            expect(arr(obj(listed.json).images).map((i) => obj(i).name)).to.equal(['tiny-raw']);
            const hidden = await call('GET', `${sim.computeUrl}/images/${theirs}`, { token: alice });
            expect(obj(hidden.json).itemNotFound).to.equal({ code: 404, message: 'Image not found.' });
            expect((await call('GET', `${sim.computeUrl}/images/${theirs}`, { token: operatorToken(sim) })).status).to.equal(200);
        });
    });

    describe('POST /servers', () => {

        const create = async (sim: Simulator, token: string, overrides: ServerBody) => {
            return await call('POST', `${sim.computeUrl}/servers`, { token, microversion: '2.37', body: serverBody(overrides) });
        };

        const refused = async (sim: Simulator, token: string, overrides: ServerBody, status: number, message: string): Promise<void> => {
            const res = await create(sim, token, overrides);
            expect(res.status, message).to.equal(status);
            expect(obj(Object.values(obj(res.json))[0]).message).to.equal(message);
        };

        it('takes an image only if Glance shows it to the project, with Nova\'s one message for unknown and hidden', async () => {
            await withSim({}, async (sim) => {
                otherCustomer(sim);
                const theirs = sim.addImage({ name: 'theirs', visibility: 'private', owner: 'acme' }).id;
                const shared = sim.addImage({ name: 'shared', visibility: 'shared', owner: 'acme', members: ['demo'] }).id;
                const community = sim.addImage({ name: 'community', visibility: 'community', owner: 'acme' }).id;
                const alice = aliceToken(sim);
                await refused(sim, alice, { imageRef: theirs }, 400, 'Can not find requested image');
                expect((await create(sim, alice, { imageRef: shared })).status).to.equal(202);
                expect((await create(sim, alice, { imageRef: community })).status).to.equal(202);
                expect((await create(sim, operatorToken(sim), { imageRef: theirs })).status).to.equal(202);
                expect(sim.servers('demo')).to.have.length(2);
            });
        });

        it('takes a private flavor only with access (or as an admin), after checking the flavor first', async () => {
            await withSim({}, async (sim) => {
                const acme = otherCustomer(sim);
                sim.addFlavor({ ...GOLD, isPublic: false, access: ['acme'] });
                const hidden = sim.addImage({ name: 'hidden', visibility: 'private', owner: 'acme' }).id;
                const alice = aliceToken(sim);
                await refused(sim, alice, { flavorRef: GOLD.id }, 400, `Flavor ${GOLD.id} could not be found.`);
                // Nova looks the flavor up before the image.
                await refused(sim, alice, { flavorRef: GOLD.id, imageRef: hidden }, 400, `Flavor ${GOLD.id} could not be found.`);
                expect((await create(sim, acme.token, { flavorRef: GOLD.id })).status).to.equal(202);
                expect((await create(sim, operatorToken(sim), { flavorRef: GOLD.id })).status).to.equal(202);
            });
        });

        it('takes networks the project owns or shares (any, as an admin), naming the ones it cannot see', async () => {
            await withSim({}, async (sim) => {
                otherCustomer(sim);
                const own = sim.addNetwork({ projectId: 'demo', name: 'private' }).id;
                const theirs = sim.addNetwork({ projectId: 'acme', name: 'private' }).id;
                const ghost = '00000000-0000-4000-8000-000000000000';
                const alice = aliceToken(sim);
                expect((await create(sim, alice, { networks: [{ uuid: own }, { uuid: DEMO.network.id, fixed_ip: '10.0.0.5' }, { uuid: own }] })).status).to.equal(202);
                await refused(sim, alice, { networks: [{ uuid: own }, { uuid: theirs }] }, 400, `Network ${theirs} could not be found.`);
                await refused(sim, alice, { networks: [{ uuid: ghost }, { uuid: theirs }, { uuid: ghost }] }, 400, `Network ${ghost}, ${theirs} could not be found.`);
                expect((await create(sim, alice, { networks: [{ port: ghost }] })).status).to.equal(202);
                expect((await create(sim, operatorToken(sim), { networks: [{ uuid: theirs }] })).status).to.equal(202);
                expect(sim.servers().map((s) => s.networks)).to.have.length(3);
            });
        });

        it('finds security groups by id or by name among the project\'s own, making its default group', async () => {
            await withSim({}, async (sim) => {
                otherCustomer(sim);
                const web = sim.addSecurityGroup({ projectId: 'demo', name: 'web' }).id;
                const theirs = sim.addSecurityGroup({ projectId: 'acme', name: 'db' }).id;
                const alice = aliceToken(sim);
                expect(sim.securityGroups('demo').map((g) => g.name)).to.equal(['web']);
                expect((await create(sim, alice, { security_groups: [{ name: 'default' }, { name: 'web' }, { name: web }, {}] })).status).to.equal(202);
                expect(sim.securityGroups('demo').map((g) => g.name)).to.equal(['web', 'default']);
                expect((await create(sim, alice, { security_groups: [] })).status).to.equal(202);
                expect((await create(sim, alice, { security_groups: [{ name: 'web' }, { name: 'web' }] })).status).to.equal(202);

                await refused(sim, alice, { security_groups: [{ name: 'db' }] }, 400, 'Security group db not found for project demo.');
                await refused(sim, alice, { security_groups: [{ name: theirs }] }, 400, `Security group ${theirs} not found for project demo.`);
                // An admin may name another project's group by id, but names are looked up in its own project.
                const operator = operatorToken(sim);
                expect((await create(sim, operator, { security_groups: [{ name: theirs }] })).status).to.equal(202);
                await refused(sim, operator, { security_groups: [{ name: 'db' }] }, 400, `Security group db not found for project ${DEMO.adminProject.id}.`);

                sim.addSecurityGroup({ projectId: 'demo', name: 'web' });
                await refused(sim, alice, { security_groups: [{ name: 'web' }] }, 409, "Multiple security groups found matching 'web'. Use an ID to be more specific.");
                expect((await create(sim, alice, { security_groups: [{ name: web }] })).status).to.equal(202);
            });
        });

        it('refuses security_groups Nova\'s schema refuses', async () => {
            await withSim({}, async (sim) => {
                const alice = aliceToken(sim);
                for (const [value, field] of [['default', 'security_groups'], [['default'], 'security_groups'], [[{ name: 'web', id: 'x' }], "'id' was unexpected"], [[{ name: '' }], 'name'], [[{ name: 7 }], 'name'], [[{ name: 'x'.repeat(256) }], 'name']] as const) {
                    const res = await create(sim, alice, { security_groups: value });
                    expect(res.status, JSON.stringify(value)).to.equal(400);
                    expect(String(obj(obj(res.json).badRequest).message)).to.contain(field);
                }

                expect(sim.servers()).to.have.length(0);
            });
        });
    });
});
