// Triggers by hand: execute answers 202 or 403 with the decision's reason,
// every one leaves an activity row, and only accepted ones move desired.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type Hapi from '@hapi/hapi';
import { tableValidator } from './support/identity';
import { caller, field, freshTenant, testServer, validGroup, type Caller } from './support/server';
import { randomUUID } from 'node:crypto';
import { testDatabaseKind, testKnex } from './support/database';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const groupWith = async (api: Caller, tenant: string, config: Record<string, unknown>, policy: Record<string, unknown>) => {
    const res = await api('POST', `/${tenant}/groups`, {
        ...validGroup(),
        groupConfiguration: { name: 'g', cooldown: 0, minEntities: 0, maxEntities: 10, ...config },
        scalingPolicies: [{ name: 'p', cooldown: 0, type: 'webhook', change: 1, ...policy }]
    });
    expect(res.statusCode, JSON.stringify(res.result)).to.equal(201);
    const groupId = String(field(res.result, 'group', 'id'));
    const policyId = String(field(res.result, 'group', 'scalingPolicies', 0, 'id'));
    return { groupId, policyId, url: `/${tenant}/groups/${groupId}`, execute: `/${tenant}/groups/${groupId}/policies/${policyId}/execute` };
};

describe('execute and activity', () => {
    let server: Hapi.Server;
    let api: Caller;
    const tenant = freshTenant();

    before(async () => {
        server = await testServer({ validator: tableValidator({ tok: { projectId: tenant, user: 'alice' } }), supervisor: { debounceMs: 0 } });
        api = caller(server, 'tok');
    });

    after(() => server.stop());

    const desired = async (url: string) => field((await api('GET', `${url}/state`)).result, 'group', 'desiredCapacity');

    it('accepts, refuses with the reason, and logs each newest first', async () => {
        const g = await groupWith(api, tenant, { maxEntities: 2 }, { cooldown: 0 });
        const first = await api('POST', g.execute);
        expect(first.statusCode).to.equal(202);
        expect(field(first.result, 'activity', 'reason')).to.equal('policy');
        await api('POST', g.execute);
        expect(await desired(g.url)).to.equal(2);
        const refused = await api('POST', g.execute);
        expect(refused.statusCode).to.equal(403);
        expect(field(refused.result, 'error', 'details', 'reason')).to.equal('at_max');
        expect(await desired(g.url)).to.equal(2);

        const log = await api('GET', `${g.url}/activity`);
        const rows = field(log.result, 'activity') as { reason: string; who: string; desiredBefore: number; desiredAfter: number; source: string }[];
        expect(rows.map((r) => r.reason)).to.equal(['at_max', 'policy', 'policy']);
        expect(rows[0]).to.include({ who: 'alice', source: 'manual', desiredBefore: 2, desiredAfter: 2 });

        const paged = await api('GET', `${g.url}/activity?limit=2`);
        const next = String(field(paged.result, 'activity_links', 0, 'href'));
        const marker = /marker=(\d+)/.exec(next)?.[1];
        const rest = await api('GET', `${g.url}/activity?limit=2&marker=${marker}`);
        expect((field(rest.result, 'activity') as unknown[]).length).to.equal(1);
        expect((await api('GET', `${g.url}/activity?marker=abc`)).statusCode).to.equal(400);
    });

    it('refuses in cooldown and when paused, and writes only the activity row', async () => {
        const g = await groupWith(api, tenant, { cooldown: 300 }, { cooldown: 0 });
        expect((await api('POST', g.execute)).statusCode).to.equal(202);
        const cool = await api('POST', g.execute);
        expect(field(cool.result, 'error', 'details', 'reason')).to.equal('cooldown');
        await api('POST', `${g.url}/pause`);
        const paused = await api('POST', g.execute);
        expect(paused.statusCode).to.equal(403);
        expect(field(paused.result, 'error', 'details', 'reason')).to.equal('paused');
        expect(await desired(g.url)).to.equal(1);
    });

    it('refuses every trigger while a forced delete is under way', async () => {
        const g = await groupWith(api, tenant, { minEntities: 0 }, {});
        const knex = await testKnex();
        const now = new Date();
        await knex('servers').insert({ intent_id: randomUUID(), group_id: g.groupId, server_id: randomUUID(), state: 'active', created_at: now, updated_at: now });
        expect((await api('DELETE', `${g.url}?force=true`)).statusCode).to.equal(202);
        const refused = await api('POST', g.execute);
        expect(refused.statusCode).to.equal(403);
        expect(field(refused.result, 'error', 'details', 'reason')).to.equal('deleting');
        expect(await desired(g.url)).to.equal(0);
    });

    it(`50 concurrent executes with cooldown 0 apply one at a time (${testDatabaseKind()})`, async () => {
        const g = await groupWith(api, tenant, { maxEntities: 40 }, {});
        const answers = await Promise.all(Array.from({ length: 50 }, () => api('POST', g.execute)));
        expect(answers.filter((a) => a.statusCode === 202)).to.have.length(40);
        expect(answers.filter((a) => a.statusCode === 403)).to.have.length(10);
        expect(await desired(g.url)).to.equal(40);
        const log = await api('GET', `${g.url}/activity?limit=100`);
        expect((field(log.result, 'activity') as unknown[]).length).to.equal(50);
    });
});

describe('debounce', () => {
    it('coalesces triggers within the window into the first decision', async () => {
        const tenant = freshTenant();
        const server = await testServer({ validator: tableValidator({ tok: { projectId: tenant } }), supervisor: { debounceMs: 60_000 } });
        try {
            const api = caller(server, 'tok');
            const g = await groupWith(api, tenant, {}, {});
            const first = await api('POST', g.execute);
            const second = await api('POST', g.execute);
            expect(second.statusCode).to.equal(202);
            expect(field(second.result, 'activity', 'reason')).to.equal('debounced');
            expect(field(second.result, 'activity', 'decisionId')).to.equal(field(first.result, 'activity', 'id'));
            expect(field((await api('GET', `${g.url}/state`)).result, 'group', 'desiredCapacity')).to.equal(1);
        }
        finally {
            await server.stop();
        }
    });
});
