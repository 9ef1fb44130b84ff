// Limits hold under concurrency: many creates at once never pass the limit,
// and deleting a group gives its place back.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type Hapi from '@hapi/hapi';
import { tableValidator } from './support/identity';
import { caller, field, freshTenant, testServer, validGroup, webhookPolicy } from './support/server';
import { tenantFootprint, testDatabaseKind } from './support/database';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

describe(`limits under concurrency (${testDatabaseKind()})`, () => {
    let server: Hapi.Server;
    const tenant = freshTenant();

    before(async () => {
        server = await testServer({ validator: tableValidator({ tok: { projectId: tenant } }), limits: { maxGroups: 20, maxPoliciesPerGroup: 5 } });
    });

    after(() => server.stop());

    it('100 concurrent group creates against a limit of 20 create exactly 20', async () => {
        const api = caller(server, 'tok');
        const answers = await Promise.all(Array.from({ length: 100 }, (_, i) =>
            api('POST', `/${tenant}/groups`, i % 2 ? validGroup() : { ...validGroup(), scalingPolicies: [webhookPolicy()] })));
        const codes = answers.map((a) => a.statusCode);
        expect(codes.filter((c) => c === 201)).to.have.length(20);
        expect(codes.filter((c) => c === 422)).to.have.length(80);
        expect((await tenantFootprint(tenant)).groups).to.equal(20);

        const one = answers.find((a) => a.statusCode === 201);
        expect((await api('DELETE', `/${tenant}/groups/${String(field(one?.result, 'group', 'id'))}?force=true`)).statusCode).to.equal(204);
        expect((await api('POST', `/${tenant}/groups`, validGroup())).statusCode).to.equal(201);
        expect((await api('POST', `/${tenant}/groups`, validGroup())).statusCode).to.equal(422);
    });

    it('20 concurrent policy batches against a limit of 5 per group create exactly 5', async () => {
        const other = freshTenant();
        const s2 = await testServer({ validator: tableValidator({ tok2: { projectId: other } }), limits: { maxPoliciesPerGroup: 5 } });
        try {
            const api2 = caller(s2, 'tok2');
            const group = await api2('POST', `/${other}/groups`, validGroup());
            const id = String(field(group.result, 'group', 'id'));
            const answers = await Promise.all(Array.from({ length: 20 }, () => api2('POST', `/${other}/groups/${id}/policies`, [webhookPolicy()])));
            expect(answers.filter((a) => a.statusCode === 201)).to.have.length(5);
            expect((await tenantFootprint(other)).policies).to.equal(5);
        }
        finally {
            await s2.stop();
        }
    });
});
