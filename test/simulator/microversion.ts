import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { DEMO, MAX_VERSION } from '../../simulator';
import { aliceToken, arr, call, createServer, obj, serverBody, withSim } from './helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('simulator: Nova microversions', () => {

    it('treats no header as 2.1 and echoes the version with Vary', async () => {
        await withSim({}, async (sim) => {
            const res = await call('GET', `${sim.computeUrl}/servers`, { token: aliceToken(sim) });
            expect(res.headers['openstack-api-version']).to.equal('compute 2.1');
            expect(res.headers['x-openstack-nova-api-version']).to.equal('2.1');
            expect(res.headers.vary).to.equal('OpenStack-API-Version, X-OpenStack-Nova-API-Version');
            expect(sim.requests.at(-1)?.microversion).to.equal('2.1');
        });
    });

    it('reads the modern header among other services, the legacy header, and latest', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            const url = `${sim.computeUrl}/servers`;
            const modern = await call('GET', url, { token, headers: { 'openstack-api-version': 'placement 1.2, compute 2.53' } });
            expect(modern.headers['openstack-api-version']).to.equal('compute 2.53');
            const legacy = await call('GET', url, { token, headers: { 'x-openstack-nova-api-version': '2.40' } });
            expect(legacy.headers['openstack-api-version']).to.equal('compute 2.40');
            const latest = await call('GET', url, { token, microversion: 'latest' });
            expect(latest.headers['openstack-api-version']).to.equal(`compute ${MAX_VERSION.major}.${MAX_VERSION.minor}`);
            const bare = await call('GET', url, { token, headers: { 'openstack-api-version': 'compute' } });
            expect(bare.headers['openstack-api-version']).to.equal('compute 2.1');
            expect(sim.requests.map((r) => r.microversion)).to.equal(['2.53', '2.40', 'latest', '2.1']);
        });
    });

    it('answers 406 above 2.96 or below 2.1, and 400 to a malformed version', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            const url = `${sim.computeUrl}/servers`;
            const high = await call('GET', url, { token, microversion: '2.97' });
            expect(high.status).to.equal(406);
            expect(obj(obj(high.json).computeFault).message).to.equal('Version 2.97 is not supported by the API. Minimum is 2.1 and maximum is 2.96.');
            expect((await call('GET', url, { token, microversion: '2.0' })).status).to.equal(406);
            expect((await call('GET', url, { token, microversion: '3.1' })).status).to.equal(406);
            expect((await call('GET', url, { token, microversion: '2.96' })).status).to.equal(200);
            const bad = await call('GET', url, { token, microversion: 'two' });
            expect(bad.status).to.equal(400);
            expect(obj(obj(bad.json).badRequest).message).to.contain('invalid format');
            expect(sim.requests.map((r) => [r.microversion, r.status])).to.equal([['2.97', 406], ['2.0', 406], ['3.1', 406], ['2.96', 200], ['two', 400]]);
        });
    });

    it('checks the token before the version', async () => {
        await withSim({}, async (sim) => {
            expect((await call('GET', `${sim.computeUrl}/servers`, { microversion: '9.9' })).status).to.equal(401);
        });
    });

    it('makes networks optional before 2.37 and takes auto/none from 2.37', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            const url = `${sim.computeUrl}/servers`;
            expect((await call('POST', url, { token, body: serverBody({ networks: undefined }) })).status).to.equal(202);
            expect((await call('POST', url, { token, microversion: '2.36', body: serverBody({ networks: 'auto' }) })).status).to.equal(400);
            expect((await call('POST', url, { token, microversion: '2.37', body: serverBody({ networks: 'auto' }) })).status).to.equal(202);
            expect((await call('POST', url, { token, microversion: '2.37', body: serverBody({ networks: [{ uuid: DEMO.network.id }] }) })).status).to.equal(202);
            expect((await call('POST', url, { token, microversion: '2.37', body: serverBody({ networks: undefined }) })).status).to.equal(400);
        });
    });

    it('drops personality at 2.57', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            const personality = [{ path: '/etc/motd', contents: 'aGk=' }];
            expect((await call('POST', `${sim.computeUrl}/servers`, { token, microversion: '2.56', body: serverBody({ personality }) })).status).to.equal(202);
            const res = await call('POST', `${sim.computeUrl}/servers`, { token, microversion: '2.57', body: serverBody({ personality }) });
            expect(res.status).to.equal(400);
            expect(obj(obj(res.json).badRequest).message).to.contain("'personality' was unexpected");
        });
    });

    it('embeds the flavor from 2.47 and adds fields by version', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            const id = await createServer(sim, token, { flavorRef: '2' });
            const at = async (v: string) => obj(obj((await call('GET', `${sim.computeUrl}/servers/${id}`, { token, microversion: v })).json).server);
            const old = await at('2.1');
            expect(obj(old.flavor).id).to.equal('2');
            expect(old.locked).to.not.exist();
            expect(old.tags).to.not.exist();
            const recent = await at('2.47');
            expect(recent.flavor).to.equal({ vcpus: 1, ram: 2048, disk: 20, ephemeral: 0, swap: 0, original_name: 'm1.small', extra_specs: {} });
            expect(recent).to.include({ locked: false, description: null, tags: [] });
        });
    });

    it('serves flavors (shape by version) and the image proxy until 2.36', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            const flavors = arr(obj((await call('GET', `${sim.computeUrl}/flavors`, { token })).json).flavors).map(obj);
            expect(flavors.map((f) => [f.id, f.name])).to.equal([['1', 'm1.tiny'], ['2', 'm1.small']]);
            const detail = arr(obj((await call('GET', `${sim.computeUrl}/flavors/detail`, { token, microversion: '2.75' })).json).flavors).map(obj);
            expect(detail[0]).to.include({ id: '1', ram: 512, vcpus: 1, disk: 1, swap: 0, description: null, extra_specs: {} });
            const one = obj(obj((await call('GET', `${sim.computeUrl}/flavors/2`, { token })).json).flavor);
            expect(one).to.include({ name: 'm1.small', swap: '' });
            expect(one.description).to.not.exist();
            const summary = arr(obj((await call('GET', `${sim.computeUrl}/flavors`, { token, microversion: '2.55' })).json).flavors).map(obj);
            expect(summary[0]?.description).to.be.null();
            const missing = await call('GET', `${sim.computeUrl}/flavors/9`, { token });
            expect(obj(obj(missing.json).itemNotFound).message).to.equal('Flavor 9 could not be found.');

            const images = arr(obj((await call('GET', `${sim.computeUrl}/images`, { token })).json).images).map(obj);
            expect(images.map((i) => [i.id, i.name])).to.equal([[DEMO.image.id, 'tiny-raw']]);
            const imageDetail = arr(obj((await call('GET', `${sim.computeUrl}/images/detail`, { token, microversion: '2.35' })).json).images).map(obj);
            expect(imageDetail[0]).to.include({ id: DEMO.image.id, status: 'ACTIVE' });
            expect(obj(obj((await call('GET', `${sim.computeUrl}/images/${DEMO.image.id}`, { token })).json).image).name).to.equal('tiny-raw');
            expect((await call('GET', `${sim.computeUrl}/images/nope`, { token })).status).to.equal(404);
            for (const path of ['/images', '/images/detail', `/images/${DEMO.image.id}`]) {
                expect((await call('GET', `${sim.computeUrl}${path}`, { token, microversion: '2.36' })).status).to.equal(404);
            }
        });
    });

    it('serves the version document without a token', async () => {
        await withSim({}, async (sim) => {
            const res = await call('GET', sim.computeUrl);
            expect(res.status).to.equal(200);
            expect(obj(obj(res.json).version)).to.include({ id: 'v2.1', version: '2.96', min_version: '2.1' });
        });
    });
});
