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

    // Two writers that overlap: the one stamped first takes the later id.
    it('lists newest first by at across pages, whatever order the ids were taken in', async () => {
        const g = await groupWith(api, tenant, {}, {});
        const knex = await testKnex();
        await knex('activity').where({ group_id: g.groupId }).delete();
        const base = Date.parse('2026-01-01T00:00:00Z');
        // ids rise with i; at rises and falls: 0, 3, 1, 4, 2 s
        for (const [i, s] of [0, 3, 1, 4, 2].entries()) {
            await knex('activity').insert({ group_id: g.groupId, at: new Date(base + s * 1000), source: 'manual', kind: 'execute', outcome: 'accepted', reason: 'policy', message: `row ${i}`, who: 'alice' });
        }

        const seen: string[] = [];
        let url: string | null = `${g.url}/activity?limit=2`;
        while (url !== null) {
            const res = await api('GET', url);
            seen.push(...(field(res.result, 'activity') as { at: string }[]).map((r) => r.at));
            const marker = /marker=(\d+)/.exec(String(field(res.result, 'activity_links', 0, 'href') ?? ''))?.[1];
            url = marker === undefined ? null : `${g.url}/activity?limit=2&marker=${marker}`;
        }

        expect(seen.map((at) => (Date.parse(at) - base) / 1000)).to.equal([4, 3, 2, 1, 0]);

        // A marker whose row was pruned since still pages on, by its id.
        const ids = (await knex('activity').where({ group_id: g.groupId }).orderBy('id').select('id')).map((r: { id: string | number }) => String(r.id));
        await knex('activity').where({ id: ids[3] }).delete();
        const after = await api('GET', `${g.url}/activity?marker=${ids[3]}`);
        // rows 0..2 (ids below it), newest at first: 3 s, 1 s, 0 s
        expect((field(after.result, 'activity') as { message: string }[]).map((r) => r.message)).to.equal(['row 1', 'row 2', 'row 0']);
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
