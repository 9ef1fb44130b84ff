import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { DEMO } from '../../simulator';
import { aliceToken, arr, call, createServer, ManualClock, obj, serverBody, withSim } from './helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('simulator: Nova servers', () => {

    describe('POST /servers', () => {

        it('accepts a create with 202, Location, adminPass and the fields Nova returns', async () => {
            await withSim({}, async (sim) => {
                const token = aliceToken(sim);
                const res = await call('POST', `${sim.computeUrl}/servers`, {
                    token, microversion: '2.37',
                    body: serverBody({ metadata: { 'autoscale:group_id': 'g1' }, key_name: 'k', user_data: 'aGVsbG8=' })
                });
                expect(res.status).to.equal(202);
                const server = obj(obj(res.json).server);
                expect(server.id).to.match(/^[0-9a-f-]{36}$/);
                expect(res.headers.location).to.equal(`${sim.computeUrl}/servers/${String(server.id)}`);
                expect(server.adminPass).to.be.a.string();
                expect(server['OS-DCF:diskConfig']).to.equal('MANUAL');
                expect(server.security_groups).to.equal([{ name: 'default' }]);
                expect(arr(server.links).map((l) => obj(l).rel)).to.equal(['self', 'bookmark']);

                const [stored] = sim.servers('demo');
                expect(stored?.id).to.equal(String(server.id));
                expect(stored?.metadata).to.equal({ 'autoscale:group_id': 'g1' });
                expect(stored?.keyName).to.equal('k');
                expect(stored?.userData).to.equal('aGVsbG8=');
                expect(stored?.networks).to.equal('none');
                expect(stored?.userId).to.not.equal('');
            });
        });

        it('takes a null key_name and user_data as absent', async () => {
            await withSim({}, async (sim) => {
                await createServer(sim, aliceToken(sim), { key_name: null, user_data: null });
                expect(sim.servers()[0]).to.include({ keyName: null, userData: null });
            });
        });

        it('accepts flavor and image references given as URLs or numbers', async () => {
            await withSim({}, async (sim) => {
                const token = aliceToken(sim);
                await createServer(sim, token, { flavorRef: 2, imageRef: `${sim.computeUrl}/images/${DEMO.image.id}` });
                await createServer(sim, token, { flavorRef: `${sim.computeUrl}/flavors/1` });
                expect(sim.servers('demo').map((s) => s.flavorId).sort()).to.equal(['1', '2']);
            });
        });

        const invalid: readonly [string, Record<string, unknown>, string][] = [
            ['a missing name', { name: undefined }, "'name' is a required property"],
            ['an empty name', { name: '' }, 'name'],
            ['a long name', { name: 'x'.repeat(256) }, 'name'],
            ['a name with spaces around it', { name: ' web ' }, 'whitespace'],
            ['a name that is not a string', { name: 7 }, 'name'],
            ['an unknown flavor', { flavorRef: '99' }, 'Invalid flavorRef provided.'],
            ['a missing flavor', { flavorRef: undefined }, "'flavorRef' is a required property"],
            ['an empty flavor', { flavorRef: '' }, 'flavorRef'],
            ['an unknown image', { imageRef: '0d7e1b87-0000-4000-8000-000000000000' }, 'Can not find requested image'],
            ['a missing image', { imageRef: undefined }, 'Can not find requested image'],
            ['metadata that is not an object', { metadata: ['a'] }, 'metadata'],
            ['a metadata value that is not a string', { metadata: { a: 1 } }, 'metadata'],
            ['an empty metadata key', { metadata: { '': 'x' } }, 'metadata'],
            ['a long metadata key', { metadata: { ['k'.repeat(256)]: 'x' } }, 'metadata'],
            ['a long metadata value', { metadata: { k: 'v'.repeat(256) } }, 'metadata'],
            ['too many metadata items', { metadata: Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata'],
            ['missing networks', { networks: undefined }, "'networks' is a required property"],
            ['networks of a wrong kind', { networks: 'some' }, 'networks'],
            ['networks entries that are not objects', { networks: ['net'] }, 'networks'],
            ['user_data that is not base64', { user_data: 'not base64!' }, 'User data needs to be valid base 64.'],
            ['user_data that is not a string', { user_data: 5 }, 'user_data'],
            ['user_data over 65535 characters', { user_data: 'QUJD'.repeat(16384) }, 'user_data'],
            ['user_data of a length base64 cannot have', { user_data: 'abc' }, 'User data needs to be valid base 64.'],
            ['user_data with characters base64 does not use', { user_data: 'ab!d' }, 'User data needs to be valid base 64.'],
            ['a flavorRef that is not a whole number', { flavorRef: 1.5 }, 'flavorRef'],
            ['a flavorRef with no id in it', { flavorRef: '///' }, 'flavorRef'],
            ['a key_name that is not a string', { key_name: 5 }, 'key_name'],
            ['personality that is not a list', { personality: 'x' }, 'personality']
        ];

        for (const [what, overrides, message] of invalid) {
            it(`refuses ${what} with 400 badRequest`, async () => {
                await withSim({}, async (sim) => {
                    const res = await call('POST', `${sim.computeUrl}/servers`, { token: aliceToken(sim), microversion: '2.37', body: serverBody(overrides) });
                    expect(res.status).to.equal(400);
                    const fault = obj(obj(res.json).badRequest);
                    expect(fault.code).to.equal(400);
                    expect(fault.message).to.contain(message);
                    expect(sim.servers()).to.have.length(0);
                });
            });
        }

        it('accepts 128 metadata items, and a metadata key of 255 characters', async () => {
            await withSim({}, async (sim) => {
                const metadata = Object.fromEntries(Array.from({ length: 127 }, (_, i) => [`k${i}`, 'v']));
                metadata['k'.repeat(255)] = 'v'.repeat(255);
                await createServer(sim, aliceToken(sim), { metadata });
                expect(Object.keys(sim.servers()[0]?.metadata ?? {})).to.have.length(128);
            });
        });

        it('refuses malformed JSON and a body without server', async () => {
            await withSim({}, async (sim) => {
                const token = aliceToken(sim);
                const broken = await call('POST', `${sim.computeUrl}/servers`, { token, body: '{"server": {' });
                expect(broken.status).to.equal(400);
                expect(obj(broken.json).badRequest).to.exist();
                for (const body of [{ servers: {} }, '[]']) {
                    const res = await call('POST', `${sim.computeUrl}/servers`, { token, body });
                    expect(res.status).to.equal(400);
                    expect(obj(obj(res.json).badRequest).message).to.contain("'server' is a required property");
                }
            });
        });

        it('enforces an instance quota with 403 forbidden', async () => {
            await withSim({}, async (sim) => {
                const token = aliceToken(sim);
                sim.setQuota('demo', 1);
                await createServer(sim, token);
                const res = await call('POST', `${sim.computeUrl}/servers`, { token, microversion: '2.37', body: serverBody() });
                expect(res.status).to.equal(403);
                expect(obj(obj(res.json).forbidden).message).to.equal('Quota exceeded for instances: Requested 1, but already used 1 of 1 instances');
                sim.setQuota('demo', null);
                await createServer(sim, token);
                expect(sim.servers('demo')).to.have.length(2);
                expect(() => sim.setQuota('nope', 1)).to.throw('no project nope');
            });
        });
    });

    describe('GET /servers and /servers/detail', () => {

        it('lists the project\'s servers newest first, then by id descending', async () => {
            const clock = new ManualClock();
            await withSim({ now: clock.now }, async (sim) => {
                const token = aliceToken(sim);
                const first = await createServer(sim, token, { name: 'first' });
                clock.advance(1000);
                const b = await createServer(sim, token, { name: 'second-a' });
                const c = await createServer(sim, token, { name: 'second-b' });
                sim.addServer(DEMO.serviceProject.id, { name: 'elsewhere' });
                const res = await call('GET', `${sim.computeUrl}/servers`, { token });
                expect(res.status).to.equal(200);
                const ids = arr(obj(res.json).servers).map((s) => obj(s).id);
                expect(ids).to.equal([...[b, c].sort().reverse(), first]);
                expect(obj(res.json).servers_links).to.not.exist();
                expect(Object.keys(obj(arr(obj(res.json).servers)[0])).sort()).to.equal(['id', 'links', 'name']);
            });
        });

        it('pages with limit and marker, with a next link only when a page is full', async () => {
            const clock = new ManualClock();
            await withSim({ now: clock.now }, async (sim) => {
                const token = aliceToken(sim);
                const ids: string[] = [];
                for (let i = 0; i < 5; ++i) {
                    ids.unshift(await createServer(sim, token, { name: `s${i}` }));
                    clock.advance(1000);
                }

                const page1 = await call('GET', `${sim.computeUrl}/servers/detail?limit=2&name=s`, { token });
                const body1 = obj(page1.json);
                expect(arr(body1.servers).map((s) => obj(s).id)).to.equal(ids.slice(0, 2));
                const next = obj(arr(body1.servers_links)[0]);
                expect(next.rel).to.equal('next');
                const href = new URL(String(next.href));
                expect(`${href.origin}${href.pathname}`).to.equal(`${sim.computeUrl}/servers/detail`);
                expect(href.searchParams.get('limit')).to.equal('2');
                expect(href.searchParams.get('name')).to.equal('s');
                expect(href.searchParams.get('marker')).to.equal(ids[1]);

                const page2 = obj((await call('GET', String(next.href), { token })).json);
                expect(arr(page2.servers).map((s) => obj(s).id)).to.equal(ids.slice(2, 4));
                const page3 = obj((await call('GET', String(obj(arr(page2.servers_links)[0]).href), { token })).json);
                expect(arr(page3.servers).map((s) => obj(s).id)).to.equal(ids.slice(4));
                expect(page3.servers_links).to.not.exist();
            });
        });

        it('refuses an unknown marker and a bad limit with 400', async () => {
            await withSim({}, async (sim) => {
                const token = aliceToken(sim);
                const marker = await call('GET', `${sim.computeUrl}/servers?marker=nope`, { token });
                expect(marker.status).to.equal(400);
                expect(obj(obj(marker.json).badRequest).message).to.equal('marker [nope] not found');
                const other = sim.addServer(DEMO.serviceProject.id, { name: 'x' });
                expect((await call('GET', `${sim.computeUrl}/servers?marker=${other.id}`, { token })).status).to.equal(400);
                expect(obj(obj((await call('GET', `${sim.computeUrl}/servers?limit=abc`, { token })).json).badRequest).message).to.equal('limit param must be an integer');
                expect(obj(obj((await call('GET', `${sim.computeUrl}/servers?limit=-1`, { token })).json).badRequest).message).to.equal('limit param must be positive');
            });
        });

        it('keeps a deleted server usable as a marker, as Nova does', async () => {
            const clock = new ManualClock();
            await withSim({ now: clock.now }, async (sim) => {
                const token = aliceToken(sim);
                const older = await createServer(sim, token);
                clock.advance(1000);
                const newer = await createServer(sim, token);
                sim.deleteServerOutOfBand(newer);
                const res = await call('GET', `${sim.computeUrl}/servers?marker=${newer}`, { token });
                expect(res.status).to.equal(200);
                expect(arr(obj(res.json).servers).map((s) => obj(s).id)).to.equal([older]);
            });
        });

        it('clamps the page size to 1000 and reads limit=0 as an empty page', async () => {
            await withSim({}, async (sim) => {
                const token = aliceToken(sim);
                for (let i = 0; i < 1001; ++i) {
                    sim.addServer('demo', { name: `n${i}` });
                }

                const full = obj((await call('GET', `${sim.computeUrl}/servers?limit=5000`, { token })).json);
                expect(arr(full.servers)).to.have.length(1000);
                expect(arr(full.servers_links)).to.have.length(1);
                const byDefault = obj((await call('GET', `${sim.computeUrl}/servers`, { token })).json);
                expect(arr(byDefault.servers)).to.have.length(1000);
                const none = obj((await call('GET', `${sim.computeUrl}/servers?limit=0`, { token })).json);
                expect(none.servers).to.equal([]);
                expect(none.servers_links).to.not.exist();
            });
        });

        it('filters by name (a regular expression) and status', async () => {
            await withSim({ buildDelayMs: 60_000 }, async (sim) => {
                const token = aliceToken(sim);
                await createServer(sim, token, { name: 'web-as00000001' });
                sim.addServer('demo', { name: 'db-1' });
                sim.addServer('demo', { name: 'web(' });
                const names = async (query: string) => arr(obj((await call('GET', `${sim.computeUrl}/servers?${query}`, { token })).json).servers).map((s) => obj(s).name);
                expect(await names('name=%5Eweb-as')).to.equal(['web-as00000001']);
                expect(await names('name=web(')).to.equal(['web(']); // not a valid regex: matched literally
                expect((await names('status=active')).sort()).to.equal(['db-1', 'web(']);
                expect(await names('status=BUILD')).to.equal(['web-as00000001']);
            });
        });

        it('renders detail entries with Nova\'s fields', async () => {
            const clock = new ManualClock();
            await withSim({ now: clock.now }, async (sim) => {
                const token = aliceToken(sim);
                const id = await createServer(sim, token, { metadata: { a: 'b' } });
                const res = await call('GET', `${sim.computeUrl}/servers/detail`, { token });
                const server = obj(arr(obj(res.json).servers)[0]);
                expect(server).to.include({
                    id, name: 'web-as0a1b2c3d', status: 'ACTIVE', tenant_id: 'demo', metadata: { a: 'b' },
                    created: '2026-11-25T12:00:00Z', updated: '2026-11-25T12:00:00Z', addresses: {},
                    'OS-EXT-STS:task_state': null, 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:power_state': 1
                });
                expect(obj(server.image).id).to.equal(DEMO.image.id);
                expect(obj(server.flavor).id).to.equal('1');
                expect(server.user_id).to.be.a.string();
                expect(server.fault).to.not.exist();
            });
        });
    });

    describe('GET and DELETE /servers/{id}', () => {

        it('shows a server of the project, and 404s one of another project or unknown', async () => {
            await withSim({}, async (sim) => {
                const token = aliceToken(sim);
                const id = await createServer(sim, token);
                const shown = await call('GET', `${sim.computeUrl}/servers/${id}`, { token });
                expect(shown.status).to.equal(200);
                expect(obj(obj(shown.json).server).id).to.equal(id);

                const foreign = sim.addServer(DEMO.serviceProject.id, { name: 'theirs' });
                const hidden = await call('GET', `${sim.computeUrl}/servers/${foreign.id}`, { token });
                expect(hidden.status).to.equal(404);
                expect(obj(obj(hidden.json).itemNotFound)).to.equal({ code: 404, message: `Instance ${foreign.id} could not be found.` });
                expect((await call('GET', `${sim.computeUrl}/servers/nope`, { token })).status).to.equal(404);
            });
        });

        it('deletes with 204; another project\'s server and an unknown one are 404', async () => {
            await withSim({}, async (sim) => {
                const token = aliceToken(sim);
                const id = await createServer(sim, token);
                const foreign = sim.addServer(DEMO.serviceProject.id, { name: 'theirs' });
                expect((await call('DELETE', `${sim.computeUrl}/servers/${foreign.id}`, { token })).status).to.equal(404);
                expect(sim.servers(DEMO.serviceProject.id)).to.have.length(1);
                const res = await call('DELETE', `${sim.computeUrl}/servers/${id}`, { token });
                expect(res.status).to.equal(204);
                expect(res.text).to.equal('');
                expect((await call('GET', `${sim.computeUrl}/servers/${id}`, { token })).status).to.equal(404);
                expect((await call('DELETE', `${sim.computeUrl}/servers/${id}`, { token })).status).to.equal(404);
            });
        });

        it('answers 405 for a method a path does not take, and 404 for unknown paths', async () => {
            await withSim({}, async (sim) => {
                const token = aliceToken(sim);
                const put = await call('PUT', `${sim.computeUrl}/servers`, { token });
                expect(put.status).to.equal(405);
                expect(obj(put.json).badMethod).to.exist();
                expect(obj((await call('GET', `${sim.computeUrl}/os-keypairs`, { token })).json).itemNotFound).to.exist();
                expect((await call('GET', `${sim.origin}/elsewhere`)).status).to.equal(404);
            });
        });
    });

    describe('authentication', () => {

        it('answers 401 in Keystone\'s shape for no token, a bad or expired token, and an unscoped token', async () => {
            const clock = new ManualClock();
            await withSim({ now: clock.now }, async (sim) => {
                const url = `${sim.computeUrl}/servers`;
                const none = await call('GET', url);
                expect(none.status).to.equal(401);
                expect(none.headers['www-authenticate']).to.equal(`Keystone uri="${sim.authUrl}"`);
                expect(obj(obj(none.json).error).code).to.equal(401);
                expect((await call('GET', url, { token: 'gAAAAAbogus' })).status).to.equal(401);
                sim.addUser({ name: 'erin', password: 'pw', roles: [] });
                expect((await call('GET', url, { token: sim.issueToken({ userName: 'erin' }) })).status).to.equal(401);
                const shortLived = sim.issueToken({ userName: 'alice', expiresInS: 1 });
                expect((await call('GET', url, { token: shortLived })).status).to.equal(200);
                clock.advance(1000);
                expect((await call('GET', url, { token: shortLived })).status).to.equal(401);
            });
        });
    });
});
