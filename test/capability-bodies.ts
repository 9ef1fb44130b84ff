// What a capability URL is sent: bad bodies leave a rejected_body row and
// nothing else, Alertmanager notifications are idempotent, oversize bodies
// still get 202, and nothing in the answer tells a real capability from a fake.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { Readable } from 'node:stream';
import { request } from 'undici';
import type Hapi from '@hapi/hapi';
import { randomBytes } from 'node:crypto';
import { CAPABILITY_MAX_BYTES } from '../plugin/routes/capability';
import { tenantSnapshot } from './support/database';
import { tableValidator } from './support/identity';
import { caller, freshTenant, testServer, type Caller } from './support/server';
import { activityOf, allRows, capabilityPath, desiredOf, firing, hookedGroup, observable, post } from './capability-support';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const BAD_BODIES: readonly [string, string | undefined][] = [
    ['not json', 'text/plain'],
    ['{"truncated": ', 'application/json'],
    ['[1, 2]', 'application/json'],
    ['42', undefined],
    ['null', 'application/json'],
    ['"firing"', 'application/json'],
    ['a=b&c=d', 'application/x-www-form-urlencoded'],
    [JSON.stringify({ version: '4', status: 'firing', alerts: [] }), 'application/json'],
    [JSON.stringify({ version: '3', status: 'firing', groupKey: 'k', alerts: [{ status: 'firing', startsAt: '2030-01-01T00:00:00Z' }] }), 'application/json'],
    [JSON.stringify({ version: '4', status: 'firing', groupKey: 'k', alerts: [{ status: 'firing', startsAt: 'yesterday' }] }), 'application/json'],
    [JSON.stringify({ version: '4', status: 'pending', groupKey: 'k', alerts: [{ status: 'firing', startsAt: '2030-01-01T00:00:00Z' }] }), 'application/json']
];

describe('capability bodies', () => {
    let server: Hapi.Server;
    let api: Caller;
    const tenant = freshTenant();

    before(async () => {
        server = await testServer({ validator: tableValidator({ tok: { projectId: tenant } }), supervisor: { debounceMs: 0 } });
        api = caller(server, 'tok');
    });

    after(() => server.stop());

    it('answers a bad body with 202 and one rejected_body row, nothing else', async () => {
        const g = await hookedGroup(api, tenant);
        for (const [body, contentType] of BAD_BODIES) {
            const before = await allRows();
            const res = await post(server, g.path, body, contentType);
            expect(res.statusCode, body).to.equal(202);
            expect(await allRows(), body).to.equal({ ...before, activity: before.activity + 1 });
        }

        const rows = await activityOf(api, g);
        expect(rows).to.have.length(BAD_BODIES.length);
        expect(rows.every((r) => r.reason === 'rejected_body' && r.outcome === 'refused' && r.source === 'webhook' && r.who === 'capability')).to.be.true();
        expect(rows[0]).to.include({ desiredBefore: 0, desiredAfter: 0 });
        expect(await desiredOf(api, g)).to.equal(0);
    });

    it('runs an Alertmanager firing once, however often it is replayed', async () => {
        const g = await hookedGroup(api, tenant);
        const body = firing('{}:{alertname="HighLoad"}', ['2030-01-01T00:00:00.123456789Z', '2030-01-01T00:01:00Z']);
        expect((await post(server, g.path, body, 'application/json')).statusCode).to.equal(202);
        expect(await desiredOf(api, g)).to.equal(1);
        const once = await tenantSnapshot(tenant);

        expect((await post(server, g.path, body, 'application/json')).statusCode).to.equal(202);
        const reordered = JSON.parse(body) as { alerts: unknown[] };
        reordered.alerts.reverse();
        expect((await post(server, g.path, JSON.stringify(reordered))).statusCode).to.equal(202);
        expect(await tenantSnapshot(tenant)).to.equal(once);
    });

    it('does not scale on an Alertmanager resolved', async () => {
        const g = await hookedGroup(api, tenant);
        const resolved = firing('{}:{alertname="HighLoad"}', ['2030-01-01T00:00:00Z'], 'resolved');
        expect((await post(server, g.path, resolved, 'application/json')).statusCode).to.equal(202);
        expect(await desiredOf(api, g)).to.equal(0);
        expect((await activityOf(api, g)).filter((r) => r.outcome === 'accepted')).to.have.length(0);
    });

    it('answers an oversize body with 202, and logs it for a real capability', async () => {
        const g = await hookedGroup(api, tenant);
        const huge = Buffer.alloc(CAPABILITY_MAX_BYTES + 1, 'x');
        const before = await allRows();
        const unknown = await post(server, capabilityPath(randomBytes(32).toString('hex')), huge, 'application/json');
        expect(unknown.statusCode).to.equal(202);
        expect(await allRows()).to.equal(before);

        const known = await post(server, g.path, huge, 'application/json');
        expect(known.statusCode).to.equal(202);
        expect(observable(known)).to.equal(observable(unknown));
        expect((await activityOf(api, g)).map((r) => r.reason)).to.equal(['rejected_body']);
        expect(await desiredOf(api, g)).to.equal(0);
    });

    it('answers an oversize body with 202 over real HTTP, announced or streamed', async () => {
        const g = await hookedGroup(api, tenant);
        await server.start();
        try {
            const url = `http://127.0.0.1:${server.info.port}${g.path}`;
            // undici's own client: nock's interceptors patch the global fetch for the whole run.
            const announced = await request(url, { method: 'POST', body: Buffer.alloc(2 * CAPABILITY_MAX_BYTES, 'y'), headers: { 'content-type': 'text/plain' } });
            expect(announced.statusCode).to.equal(202);
            expect(await announced.body.text()).to.equal('');
            const chunks = async function* () {
                for (let i = 0; i < 3; i++) {
                    yield Buffer.alloc(CAPABILITY_MAX_BYTES / 2 + 1, 'z');
                }
            };
            const streamed = await request(url, { method: 'POST', body: Readable.from(chunks()) });
            expect(streamed.statusCode).to.equal(202);
            await streamed.body.dump();
            expect((await activityOf(api, g)).map((r) => r.reason)).to.equal(['rejected_body', 'rejected_body']);
        }
        finally {
            await server.stop();
            await server.initialize();
        }
    });

    it('answers byte for byte the same for a real and an unknown capability', async () => {
        const g = await hookedGroup(api, tenant, { maxEntities: 1 });
        const fake = capabilityPath(randomBytes(32).toString('hex'));
        const bodies: [string, string | undefined][] = [
            ['', undefined], ['{}', 'application/json'], ['not json', 'text/plain'],
            [firing('k', ['2030-01-01T00:00:00Z']), 'application/json'], ['', undefined] // the last one is refused at_max
        ];
        for (const [body, contentType] of bodies) {
            const real = await post(server, g.path, body, contentType);
            const unknown = await post(server, fake, body, contentType);
            expect(real.statusCode).to.equal(202);
            expect(observable(real), body).to.equal(observable(unknown));
        }

        expect((await activityOf(api, g)).map((r) => r.reason)).to.equal(['at_max', 'at_max', 'rejected_body', 'at_max', 'policy']);
    });
});
