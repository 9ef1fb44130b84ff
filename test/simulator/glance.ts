import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { DEMO, type ImageVisibility, type Simulator } from '../../simulator';
import { aliceToken, arr, call, obj, operatorToken, otherCustomer, withSim } from './helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

// One image of each kind, seen from alice's `demo` project; `acme` is another customer.
const seedImages = (sim: Simulator): Record<string, string> => {
    otherCustomer(sim);
    const add = (name: string, visibility: ImageVisibility, owner?: string, members?: string[]): string => {
        return sim.addImage({ name, visibility, ...(owner ? { owner } : {}), ...(members ? { members } : {}) }).id;
    };

    return {
        public: DEMO.image.id,
        ownPrivate: add('own-private', 'private', 'demo'),
        otherPrivate: add('other-private', 'private', 'acme'),
        sharedWithDemo: add('shared-with-demo', 'shared', 'acme', ['demo']),
        sharedElsewhere: add('shared-elsewhere', 'shared', 'acme', [DEMO.serviceProject.id]),
        community: add('community', 'community', 'acme'),
        ownCommunity: add('own-community', 'community', 'demo')
    };
};

const names = (body: unknown): string[] => arr(obj(body).images).map((i) => String(obj(i).name));

describe('simulator: Glance images', () => {

    it('shows an image with Glance\'s fields', async () => {
        await withSim({}, async (sim) => {
            const id = sim.addImage({ name: 'mine', visibility: 'private', owner: 'demo' }).id;
            const res = await call('GET', `${sim.imageUrl}/v2/images/${id}`, { token: aliceToken(sim) });
            expect(res.status).to.equal(200);
            const image = obj(res.json);
            expect(image).to.include({
                id, name: 'mine', status: 'active', visibility: 'private', owner: 'demo', protected: false,
                self: `/v2/images/${id}`, file: `/v2/images/${id}/file`, schema: '/v2/schemas/image', disk_format: 'raw', container_format: 'bare'
            });
            expect(image.checksum).to.match(/^[0-9a-f]{32}$/);
            expect(image.created_at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
            const demo = obj((await call('GET', `${sim.imageUrl}/v2/images/${DEMO.image.id}`, { token: aliceToken(sim) })).json);
            expect(demo).to.include({ visibility: 'public', owner: null });
        });
    });

    it('shows each image to the projects Glance lets see it, and 404 to the others', async () => {
        await withSim({}, async (sim) => {
            const ids = seedImages(sim);
            const alice = aliceToken(sim);
            const bob = sim.issueToken({ userName: 'bob', projectId: 'acme' });
            const operator = operatorToken(sim);
            const status = async (token: string, id: string | undefined): Promise<number> => (await call('GET', `${sim.imageUrl}/v2/images/${String(id)}`, { token })).status;
            const matrix: [string, number, number, number][] = [
                // image, alice (demo), bob (acme, owner of the others), operator (admin)
                ['public', 200, 200, 200],
                ['ownPrivate', 200, 404, 200],
                ['otherPrivate', 404, 200, 200],
                ['sharedWithDemo', 200, 200, 200],
                ['sharedElsewhere', 404, 200, 200],
                ['community', 200, 200, 200],
                ['ownCommunity', 200, 200, 200]
            ];
            for (const [image, ...expected] of matrix) {
                const seen = [await status(alice, ids[image]), await status(bob, ids[image]), await status(operator, ids[image])];
                expect(seen, image).to.equal(expected);
            }

            const missing = await call('GET', `${sim.imageUrl}/v2/images/${ids.otherPrivate}`, { token: alice });
            expect(String(missing.headers['content-type'])).to.startWith('text/plain');
            expect(missing.text).to.contain(`404 Not Found\n\nNo image found with ID ${ids.otherPrivate}`);
            expect((await call('GET', `${sim.imageUrl}/v2/images/nope`, { token: operator })).status).to.equal(404);
        });
    });

    it('lists what the project sees, community images only its own unless asked for', async () => {
        await withSim({}, async (sim) => {
            seedImages(sim);
            const url = `${sim.imageUrl}/v2/images`;
            const alice = aliceToken(sim);
            const listed = await call('GET', url, { token: alice });
            expect(listed.status).to.equal(200);
            expect(names(listed.json).sort()).to.equal(['own-community', 'own-private', 'shared-with-demo', 'tiny-raw']);
            expect(obj(listed.json)).to.include({ first: '/v2/images', schema: '/v2/schemas/images' });
            expect(names((await call('GET', `${url}?visibility=community`, { token: alice })).json).sort()).to.equal(['community', 'own-community']);
            expect(names((await call('GET', `${url}?visibility=all`, { token: alice })).json)).to.have.length(5);
            expect(names((await call('GET', `${url}?visibility=shared`, { token: alice })).json)).to.equal(['shared-with-demo']);
            expect(names((await call('GET', `${url}?name=tiny-raw`, { token: alice })).json)).to.equal(['tiny-raw']);
            expect(names((await call('GET', `${url}?owner=acme`, { token: alice })).json)).to.equal(['shared-with-demo']);
            // The admin lists every image but the community ones, as Glance does.
            expect(names((await call('GET', url, { token: operatorToken(sim) })).json)).to.have.length(5);
            const bad = await call('GET', `${url}?visibility=hidden`, { token: alice });
            expect(bad.status).to.equal(400);
            expect(bad.text).to.contain('Invalid visibility value: hidden');
        });
    });

    it('pages by limit and marker, newest first, naming the next page when one is full', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            const url = `${sim.imageUrl}/v2/images`;
            const first = await call('GET', `${url}?limit=1`, { token });
            expect(names(first.json)).to.have.length(1);
            const next = String(obj(first.json).next);
            expect(next).to.match(/^\/v2\/images\?limit=1&marker=/);
            const second = await call('GET', `${sim.imageUrl}${next}`, { token });
            expect(names(second.json)).to.equal([]);
            expect(obj(second.json).next).to.not.exist();
            expect(obj((await call('GET', url, { token })).json).next).to.not.exist();

            for (const [query, message] of [['limit=x', 'limit param must be an integer'], ['limit=-1', 'limit param must be positive'], ['marker=nope', 'Invalid marker']]) {
                const res = await call('GET', `${url}?${query}`, { token });
                expect(res.status, query).to.equal(400);
                expect(res.text).to.contain(message);
            }

            for (let i = 0; i < 30; ++i) {
                sim.addImage({ name: `img-${i}` });
            }

            expect(names((await call('GET', url, { token })).json)).to.have.length(25);
            expect(names((await call('GET', `${url}?limit=5000`, { token })).json)).to.have.length(31);
        });
    });

    it('wants a project-scoped token (401 as Nova), but not for its version list', async () => {
        await withSim({}, async (sim) => {
            const url = `${sim.imageUrl}/v2/images/${DEMO.image.id}`;
            const none = await call('GET', url);
            expect(none.status).to.equal(401);
            expect(none.headers['www-authenticate']).to.equal(`Keystone uri="${sim.authUrl}"`);
            expect((await call('GET', url, { token: 'gAAAAAforged' })).status).to.equal(401);
            sim.addUser({ name: 'frank', password: 'pw', roles: [] });
            expect((await call('GET', url, { token: sim.issueToken({ userName: 'frank' }) })).status).to.equal(401);

            expect((await call('POST', sim.imageUrl)).status).to.equal(401);
            const versions = await call('GET', sim.imageUrl);
            expect(versions.status).to.equal(300);
            expect(obj(arr(obj(versions.json).versions)[0])).to.include({ id: 'v2.16', status: 'CURRENT' });
            const token = aliceToken(sim);
            expect((await call('DELETE', url, { token })).status).to.equal(405);
            expect((await call('GET', `${sim.imageUrl}/v2/tasks`, { token })).status).to.equal(404);
        });
    });

    it('refuses impossible images', async () => {
        await withSim({}, async (sim) => {
            expect(() => sim.addImage({ name: 'x', visibility: 'private' })).to.throw('a private image needs an owner');
            expect(() => sim.addImage({ name: 'x', visibility: 'shared' })).to.throw('a shared image needs an owner');
            expect(() => sim.addImage({ name: 'x', owner: 'demo', members: [DEMO.serviceProject.id] })).to.throw('members are for shared images only');
            expect(() => sim.addImage({ name: 'x', visibility: 'hidden' as ImageVisibility })).to.throw(/visibility must be one of/);
            expect(() => sim.addImage({ name: 'x', visibility: 'private', owner: 'nope' })).to.throw('no project nope');
            expect(() => sim.addImage({ name: 'x', visibility: 'shared', owner: 'demo', members: ['nope'] })).to.throw('no project nope');
            expect(sim.addImage({ name: 'x', owner: 'demo', members: [] }).name).to.equal('x');
        });
    });
});
