import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { startSimulator } from '../../simulator';
import { aliceToken, arr, call, createServer, obj, passwordAuth, serverBody, withSim } from './helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('simulator: faults', () => {

    it('answers a status with headers in Nova\'s shape (413 + Retry-After) and does not handle the request', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            const { id } = sim.faults.add({ service: 'compute', method: 'POST', path: '/servers', status: 413, headers: { 'Retry-After': '30' } });
            const res = await call('POST', `${sim.computeUrl}/servers`, { token, microversion: '2.37', body: serverBody() });
            expect(res.status).to.equal(413);
            expect(res.headers['retry-after']).to.equal('30');
            expect(obj(obj(res.json).overLimit)).to.include({ code: 413, retryAfter: '30' });
            expect(sim.servers()).to.have.length(0);
            expect(sim.requests.at(-1)).to.include({ service: 'compute', method: 'POST', path: '/servers', status: 413, fault: id });
            // Other methods and paths are untouched.
            expect((await call('GET', `${sim.computeUrl}/servers`, { token })).status).to.equal(200);
        });
    });

    it('applies a rule `times` times, then removes it', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            const { id } = sim.faults.add({ path: '/servers', times: 2, status: 500 });
            expect(sim.faults.list()).to.equal([{ id, rule: { path: '/servers', times: 2, status: 500 }, remaining: 2 }]);
            const statuses: number[] = [];
            for (let i = 0; i < 3; ++i) {
                statuses.push((await call('GET', `${sim.computeUrl}/servers`, { token })).status);
                if (i === 0) {
                    expect(sim.faults.list()[0]?.remaining).to.equal(1);
                }
            }

            expect(statuses).to.equal([500, 500, 200]);
            expect(sim.faults.list()).to.equal([]);
        });
    });

    it('matches a RegExp path, a method and a service; the first matching rule wins', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            const id = await createServer(sim, token);
            sim.faults.add({ service: 'identity', status: 503 });
            const first = sim.faults.add({ service: 'compute', method: 'get', path: /^\/servers\/[0-9a-f-]{36}$/, status: 502 });
            sim.faults.add({ service: 'compute', path: /^\/servers/, status: 504 });
            expect((await call('GET', `${sim.computeUrl}/servers/${id}`, { token })).status).to.equal(502);
            expect((await call('GET', `${sim.computeUrl}/servers/detail`, { token })).status).to.equal(504);
            expect(first.remove()).to.be.true();
            expect(sim.faults.remove(first.id)).to.be.false();
            expect((await call('GET', `${sim.computeUrl}/servers/${id}`, { token })).status).to.equal(504);
            expect((await call('GET', `${sim.computeUrl}/flavors`, { token })).status).to.equal(200);
            const identity = await call('POST', `${sim.authUrl}/auth/tokens`, { body: passwordAuth('alice', 'secret') });
            expect(identity.status).to.equal(503);
            expect(obj(obj(identity.json).error)).to.include({ code: 503, title: 'Service Unavailable' });
            sim.faults.clear();
            expect((await call('GET', `${sim.computeUrl}/servers/${id}`, { token })).status).to.equal(200);
        });
    });

    it('delays the answer by delayMs (the request itself is handled at once)', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            sim.faults.add({ method: 'POST', path: '/servers', delayMs: 200 });
            const started = Date.now();
            const pending = call('POST', `${sim.computeUrl}/servers`, { token, microversion: '2.37', body: serverBody() });
            await new Promise((resolve) => setTimeout(resolve, 50));
            expect(sim.servers()).to.have.length(1);
            expect(sim.requests.at(-1)?.status).to.equal(0); // arrived, not yet answered
            const res = await pending;
            expect(res.status).to.equal(202);
            expect(Date.now() - started).to.be.at.least(190);
            expect(sim.requests.at(-1)?.status).to.equal(202);
        });
    });

    it('delays a status answer too', async () => {
        await withSim({}, async (sim) => {
            sim.faults.add({ service: 'compute', status: 500, delayMs: 100 });
            const started = Date.now();
            const res = await call('GET', `${sim.computeUrl}/servers`, { token: aliceToken(sim) });
            expect(res.status).to.equal(500);
            expect(obj(res.json).computeFault).to.exist();
            expect(Date.now() - started).to.be.at.least(90);
        });
    });

    it('passes through then answers with the fault: a create that happened but says 500', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            sim.faults.add({ method: 'POST', path: '/servers', status: 500, passThrough: true, times: 1 });
            const res = await call('POST', `${sim.computeUrl}/servers`, { token, microversion: '2.37', body: serverBody({ name: 'ghost' }) });
            expect(res.status).to.equal(500);
            expect(obj(obj(res.json).computeFault).code).to.equal(500);
            expect(res.headers['openstack-api-version']).to.equal('compute 2.37'); // the handled answer's headers stay
            expect(sim.servers().map((s) => s.name)).to.equal(['ghost']);
        });
    });

    it('passes through with a replacement body, or the handled body when only headers change', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            sim.faults.add({ method: 'DELETE', status: 200, body: { odd: true }, passThrough: true });
            sim.faults.add({ method: 'GET', path: '/flavors', headers: { 'X-Sim': 'yes' } });
            const id = await createServer(sim, token);
            const del = await call('DELETE', `${sim.computeUrl}/servers/${id}`, { token });
            expect(del.status).to.equal(200);
            expect(del.json).to.equal({ odd: true });
            expect(sim.servers()).to.have.length(0);
            const flavors = await call('GET', `${sim.computeUrl}/flavors`, { token });
            expect(flavors.status).to.equal(200);
            expect(flavors.headers['x-sim']).to.equal('yes');
            expect(arr(obj(flavors.json).flavors)).to.have.length(2);
        });
    });

    it('answers a success status with no body, without handling the request', async () => {
        await withSim({}, async (sim) => {
            sim.faults.add({ method: 'POST', path: '/servers', status: 200 });
            const res = await call('POST', `${sim.computeUrl}/servers`, { token: aliceToken(sim), microversion: '2.37', body: serverBody() });
            expect(res.status).to.equal(200);
            expect(res.text).to.equal('');
            expect(sim.servers()).to.have.length(0);
        });
    });

    it('gives an unusual status a generic error body', async () => {
        await withSim({}, async (sim) => {
            sim.faults.add({ service: 'identity', status: 599 });
            const res = await call('GET', sim.authUrl);
            expect(res.status).to.equal(599);
            expect(obj(res.json).error).to.equal({ code: 599, message: 'Injected fault: error', title: 'Error' });
        });
    });

    it('keeps the handled body when a passThrough rule names the status it already had', async () => {
        await withSim({}, async (sim) => {
            sim.faults.add({ method: 'GET', path: /^\/servers\//, status: 404, passThrough: true, headers: { 'X-Trace': '1' } });
            const res = await call('GET', `${sim.computeUrl}/servers/nope`, { token: aliceToken(sim) });
            expect(res.status).to.equal(404);
            expect(res.headers['x-trace']).to.equal('1');
            expect(obj(obj(res.json).itemNotFound).message).to.equal('Instance nope could not be found.');
        });
    });

    it('sends a string body as text and a null body as nothing', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            sim.faults.add({ path: '/servers', status: 502, body: '<html>Bad Gateway</html>', times: 1 });
            sim.faults.add({ path: '/servers', status: 503, body: null, times: 1 });
            const html = await call('GET', `${sim.computeUrl}/servers`, { token });
            expect(html.status).to.equal(502);
            expect(html.text).to.equal('<html>Bad Gateway</html>');
            expect(html.headers['content-type']).to.contain('text/plain');
            const blank = await call('GET', `${sim.computeUrl}/servers`, { token });
            expect(blank.status).to.equal(503);
            expect(blank.text).to.equal('');
        });
    });

    it('switches a compute outage on and off (503, optional Retry-After), ahead of other rules; identity keeps working', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            sim.faults.add({ service: 'compute', status: 500 });
            sim.faults.outage(true, { retryAfterS: 12 });
            const down = await call('GET', `${sim.computeUrl}/servers`, { token });
            expect(down.status).to.equal(503);
            expect(down.headers['retry-after']).to.equal('12');
            expect(obj(obj(down.json).serviceUnavailable).code).to.equal(503);
            expect((await call('POST', `${sim.computeUrl}/servers`, { token, microversion: '2.37', body: serverBody() })).status).to.equal(503);
            expect(sim.servers()).to.have.length(0);
            expect((await call('POST', `${sim.authUrl}/auth/tokens`, { body: passwordAuth('alice', 'secret') })).status).to.equal(201);
            sim.faults.outage(true);
            expect((await call('GET', `${sim.computeUrl}/servers`, { token })).headers['retry-after']).to.not.exist();
            sim.faults.outage(false);
            expect((await call('GET', `${sim.computeUrl}/servers`, { token })).status).to.equal(500);
            sim.faults.clear();
            expect((await call('GET', `${sim.computeUrl}/servers`, { token })).status).to.equal(200);
        });
    });

    it('hangs a request until the client gives up; the log shows it unanswered', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            sim.faults.add({ method: 'POST', path: '/servers', hang: true, times: 1 });
            const err = await expect(call('POST', `${sim.computeUrl}/servers`, { token, microversion: '2.37', body: serverBody(), signal: AbortSignal.timeout(150) })).to.reject();
            expect((err as Error).name).to.match(/Abort|Timeout/);
            expect(sim.servers()).to.have.length(0); // never handled
            expect(sim.requests.at(-1)).to.include({ path: '/servers', status: 0 });
            expect((await call('GET', `${sim.computeUrl}/servers`, { token })).status).to.equal(200);
        });
    });

    it('hangs after handling with passThrough: the create happens, the answer never comes', async () => {
        await withSim({}, async (sim) => {
            sim.faults.add({ method: 'POST', path: '/servers', hang: true, passThrough: true });
            await expect(call('POST', `${sim.computeUrl}/servers`, { token: aliceToken(sim), microversion: '2.37', body: serverBody(), signal: AbortSignal.timeout(150) })).to.reject();
            expect(sim.servers()).to.have.length(1);
        });
    });

    it('releases hanging and delayed requests when stopped', async () => {
        const sim = await startSimulator({ demo: true });
        const token = aliceToken(sim);
        sim.faults.add({ path: '/servers', hang: true, times: 1 });
        sim.faults.add({ path: '/servers', delayMs: 60_000 });
        const hanging = call('GET', `${sim.computeUrl}/servers`, { token });
        const delayed = call('GET', `${sim.computeUrl}/servers`, { token });
        await new Promise((resolve) => setTimeout(resolve, 50));
        const started = Date.now();
        await sim.stop();
        await sim.stop(); // idempotent
        await expect(hanging).to.reject();
        await expect(delayed).to.reject();
        expect(Date.now() - started).to.be.below(5000);
    });

    it('refuses rules that make no sense', async () => {
        await withSim({}, async (sim) => {
            expect(() => sim.faults.add({ times: -1 })).to.throw('fault times must be a non-negative integer');
            expect(() => sim.faults.add({ delayMs: 1.5 })).to.throw('fault delayMs must be a non-negative integer');
            expect(() => sim.faults.add({ status: 99 })).to.throw('fault status must be an HTTP status from 200 to 599');
            expect(() => sim.faults.add({ status: 600 })).to.throw('fault status must be an HTTP status from 200 to 599');
            expect(() => sim.faults.add({ status: 500.5 })).to.throw('fault status must be an HTTP status from 200 to 599');
            expect(sim.faults.list()).to.equal([]);
        });
    });

    it('resets a global RegExp between matches', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            sim.faults.add({ path: /servers/g, status: 500 });
            expect((await call('GET', `${sim.computeUrl}/servers`, { token })).status).to.equal(500);
            expect((await call('GET', `${sim.computeUrl}/servers`, { token })).status).to.equal(500);
        });
    });
});
