// The capability URL: anonymous, always 202 with nothing in it; a real
// capability runs its policy, an unknown one writes nothing anywhere.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import Hapi from '@hapi/hapi';
import { randomBytes } from 'node:crypto';
import { plugin } from '../plugin';
import { testDatabaseKind, testKnex } from './support/database';
import { tableValidator } from './support/identity';
import { caller, field, freshTenant, testServer, type Caller } from './support/server';
import { activityOf, allRows, capabilityPath, desiredOf, firing, hookedGroup, post } from './capability-support';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

describe('capability URL', () => {
    let server: Hapi.Server;
    let api: Caller;
    const tenant = freshTenant();

    before(async () => {
        server = await testServer({ validator: tableValidator({ tok: { projectId: tenant, user: 'alice' } }), supervisor: { debounceMs: 0 } });
        api = caller(server, 'tok');
    });

    after(() => server.stop());

    it('answers 202 to unknown capabilities of every shape and writes nothing for any tenant', async () => {
        const real = await hookedGroup(api, tenant);
        const flipped = `${real.capability.slice(0, -1)}${real.capability.endsWith('0') ? '1' : '0'}`;
        const unknown = [
            capabilityPath(randomBytes(32).toString('hex')), capabilityPath(flipped), capabilityPath(real.capability.toUpperCase()),
            capabilityPath('abc'), capabilityPath('x'.repeat(4000)), capabilityPath('%00%ff'), '/autoscale/v1.0/execute/1/',
            '/autoscale/v1.0/execute/1/a/b/c', `/autoscale/v1.0/execute/1/${flipped}`
        ];
        const before = await allRows();
        for (const path of unknown) {
            for (const body of ['', '{}', 'not json', firing('{}:{a="b"}', ['2030-01-01T00:00:00Z'])]) {
                const res = await post(server, path, body);
                expect(res.statusCode, path).to.equal(202);
                expect(res.payload).to.equal('');
            }
        }

        expect(await allRows()).to.equal(before);
        // The counts do see a write: the real capability adds its activity row.
        expect((await post(server, real.path)).statusCode).to.equal(202);
        expect(await allRows()).to.equal({ ...before, activity: before.activity + 1 });
    });

    it('runs the policy of a real capability, logged as the capability', async () => {
        const g = await hookedGroup(api, tenant);
        for (const contentType of [undefined, 'application/json', 'text/plain', 'application/x-www-form-urlencoded']) {
            expect((await post(server, g.path, '', contentType)).statusCode).to.equal(202);
        }

        expect((await post(server, g.path, '{"from": "my monitor"}', 'application/json')).statusCode).to.equal(202);
        expect(await desiredOf(api, g)).to.equal(5);
        const rows = await activityOf(api, g);
        expect(rows).to.have.length(5);
        expect(rows[0]).to.include({ who: 'capability', source: 'webhook', reason: 'policy', outcome: 'accepted', desiredBefore: 4, desiredAfter: 5 });
    });

    it('refuses for a paused group with the reason in the log, and forgets a deleted webhook', async () => {
        const g = await hookedGroup(api, tenant);
        expect((await api('POST', `${g.url}/pause`)).statusCode).to.equal(204);
        expect((await post(server, g.path)).statusCode).to.equal(202);
        expect(await desiredOf(api, g)).to.equal(0);
        expect((await activityOf(api, g))[0]).to.include({ reason: 'paused', outcome: 'refused', who: 'capability' });

        expect((await api('DELETE', `${g.url}/policies/${g.policyId}/webhooks/${g.webhookId}`)).statusCode).to.equal(204);
        const before = await allRows();
        expect((await post(server, g.path)).statusCode).to.equal(202);
        expect(await allRows()).to.equal(before);
    });

    it(`50 concurrent capability POSTs apply one at a time (${testDatabaseKind()})`, async () => {
        const g = await hookedGroup(api, tenant, { maxEntities: 40 });
        const answers = await Promise.all(Array.from({ length: 50 }, () => post(server, g.path)));
        expect(answers.map((a) => a.statusCode)).to.equal(Array.from({ length: 50 }, () => 202));
        expect(await desiredOf(api, g)).to.equal(40);
        const rows = await activityOf(api, g);
        expect(rows).to.have.length(50);
        expect(rows.filter((r) => r.reason === 'policy')).to.have.length(40);
        expect(rows.filter((r) => r.reason === 'at_max')).to.have.length(10);
        expect(rows.every((r) => r.who === 'capability' && r.source === 'webhook')).to.be.true();
    });

    it('answers 503 with Retry-After and writes nothing before the database is ready: nothing is accepted that could not be written', async () => {
        // Registered but never initialised: onPreStart has not opened the store.
        const early = Hapi.server();
        await early.register({ plugin, options: { database: { knex: await testKnex() }, openstack: { tokenValidator: tableValidator({}) } } }, { routes: { prefix: '/autoscale' } });
        const before = await allRows();
        const res = await post(early, capabilityPath('0'.repeat(64)));
        expect([res.statusCode, field(res.result, 'error', 'type'), res.headers['retry-after']]).to.equal([503, 'NotReadyError', '5']);
        expect((await early.inject('/autoscale/health')).statusCode).to.equal(503);
        expect(await allRows()).to.equal(before);
    });
});
