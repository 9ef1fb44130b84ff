import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type Hapi from '@hapi/hapi';
import { tableValidator } from './support/identity';
import { caller, field, freshTenant, testServer, validGroup, webhookPolicy, type Caller } from './support/server';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

describe('groups API', () => {
    let server: Hapi.Server;
    let api: Caller;
    const tenant = freshTenant();

    before(async () => {
        server = await testServer({ validator: tableValidator({ tok: { projectId: tenant, user: 'alice' } }) });
        api = caller(server, 'tok');
    });

    after(() => server.stop());

    it('creates a group with policies and reads it back', async () => {
        const res = await api('POST', `/${tenant}/groups`, { ...validGroup(), scalingPolicies: [webhookPolicy()] });
        expect(res.statusCode, JSON.stringify(res.result)).to.equal(201);
        const id = field(res.result, 'group', 'id');
        expect(String(res.headers.location)).to.endWith(`/autoscale/v1.0/${tenant}/groups/${id}`);
        expect(field(res.result, 'group', 'state', 'desiredCapacity')).to.equal(1);
        expect(field(res.result, 'group', 'scalingPolicies', 0, 'change')).to.equal(1);

        const got = await api('GET', `/${tenant}/groups/${id}`);
        expect(got.statusCode).to.equal(200);
        expect(field(got.result, 'group', 'groupConfiguration')).to.equal(validGroup().groupConfiguration);
    });
});

describe('groups API, route by route', () => {
    let server: Hapi.Server;
    let api: Caller;
    const tenant = freshTenant();

    before(async () => {
        server = await testServer({ validator: tableValidator({ tok: { projectId: tenant, user: 'alice' } }) });
        api = caller(server, 'tok');
    });

    after(() => server.stop());

    const created = async (): Promise<string> => {
        const res = await api('POST', `/${tenant}/groups`, validGroup());
        expect(res.statusCode).to.equal(201);
        return String(field(res.result, 'group', 'id'));
    };

    it('lists groups with limit, marker and a next link', async () => {
        const ids = [await created(), await created(), await created()].sort();
        const first = await api('GET', `/${tenant}/groups?limit=2`);
        expect(first.statusCode).to.equal(200);
        const page = field(first.result, 'groups') as { id: string }[];
        expect(page.map((g) => g.id)).to.equal(ids.slice(0, 2));
        const next = field(first.result, 'groups_links', 0, 'href');
        expect(String(next)).to.endWith(`/groups?limit=2&marker=${ids[1]}`);
        const second = await api('GET', `/${tenant}/groups?limit=2&marker=${ids[1]}`);
        expect((field(second.result, 'groups') as { id: string }[]).map((g) => g.id)).to.include(ids[2]);
    });

    it('gets and puts config and launch', async () => {
        const id = await created();
        const config = { name: 'renamed', cooldown: 5, minEntities: 0, maxEntities: 3, metadata: {} };
        expect((await api('PUT', `/${tenant}/groups/${id}/config`, config)).statusCode).to.equal(204);
        expect(field((await api('GET', `/${tenant}/groups/${id}/config`)).result, 'groupConfiguration')).to.equal(config);
        const launch = { type: 'launch_server', args: { server: { flavorRef: '2', imageRef: 'x' }, loadBalancers: [] } };
        expect((await api('PUT', `/${tenant}/groups/${id}/launch`, launch)).statusCode).to.equal(204);
        expect(field((await api('GET', `/${tenant}/groups/${id}/launch`)).result, 'launchConfiguration')).to.equal(launch);
        // Load balancers and a drain read back as written; an id that is none of Octavia's is refused, naming it.
        const joining = { ...launch, args: { ...launch.args, loadBalancers: [{ poolId: '00000000-0000-4000-8000-000000000005', port: 80 }], drainingTimeoutS: 30 } };
        expect((await api('PUT', `/${tenant}/groups/${id}/launch`, joining)).statusCode).to.equal(204);
        expect(field((await api('GET', `/${tenant}/groups/${id}/launch`)).result, 'launchConfiguration')).to.equal(joining);
        const refused = await api('PUT', `/${tenant}/groups/${id}/launch`, { ...launch, args: { ...launch.args, loadBalancers: [{ loadBalancerId: 5, port: 80 }] } });
        expect(refused.statusCode).to.equal(400);
        expect(field(refused.result, 'error', 'details', 'field')).to.equal('args.loadBalancers.0.loadBalancerId');
        expect(field((await api('GET', `/${tenant}/groups/${id}/launch`)).result, 'launchConfiguration')).to.equal(joining);
    });

    it('clamps desired when a new config puts it out of bounds', async () => {
        const id = await created();
        await api('PUT', `/${tenant}/groups/${id}/config`, { name: 'x', cooldown: 0, minEntities: 4, maxEntities: 8 });
        expect(field((await api('GET', `/${tenant}/groups/${id}/state`)).result, 'group', 'desiredCapacity')).to.equal(4);
        await api('PUT', `/${tenant}/groups/${id}/config`, { name: 'x', cooldown: 0, minEntities: 0, maxEntities: 2 });
        expect(field((await api('GET', `/${tenant}/groups/${id}/state`)).result, 'group', 'desiredCapacity')).to.equal(2);
    });

    it('pauses and resumes, idempotently', async () => {
        const id = await created();
        for (const action of ['pause', 'pause']) {
            expect((await api('POST', `/${tenant}/groups/${id}/${action}`)).statusCode).to.equal(204);
        }

        const state = await api('GET', `/${tenant}/groups/${id}/state`);
        expect(field(state.result, 'group')).to.include({ id, paused: true, status: 'ACTIVE', activeCapacity: 0, pendingCapacity: 0, desiredCapacity: 1 });
        expect(field(state.result, 'group', 'orphans')).to.equal([]);
        await api('POST', `/${tenant}/groups/${id}/resume`);
        expect(field((await api('GET', `/${tenant}/groups/${id}/state`)).result, 'group', 'paused')).to.equal(false);
    });

    it('manages policies and their webhooks', async () => {
        const id = await created();
        const made = await api('POST', `/${tenant}/groups/${id}/policies`, [webhookPolicy('a', 2), { name: 'nightly', cooldown: 0, type: 'schedule', desiredCapacity: 0, args: { cron: '0 2 * * *' } }]);
        expect(made.statusCode, JSON.stringify(made.result)).to.equal(201);
        const [a, nightly] = field(made.result, 'policies') as { id: string; args?: unknown }[];
        expect(nightly?.args).to.equal({ cron: '0 2 * * *' });
        const policyUrl = `/${tenant}/groups/${id}/policies/${a?.id}`;
        expect(field((await api('GET', policyUrl)).result, 'policy', 'change')).to.equal(2);
        expect((await api('PUT', policyUrl, { name: 'a', cooldown: 10, type: 'webhook', changePercent: 50 })).statusCode).to.equal(204);
        expect(field((await api('GET', policyUrl)).result, 'policy')).to.include({ changePercent: 50, cooldown: 10 });

        const hooks = await api('POST', `${policyUrl}/webhooks`, [{ name: 'pager' }, { name: 'grafana', metadata: { team: 'x' } }]);
        expect(hooks.statusCode).to.equal(201);
        const hook = field(hooks.result, 'webhooks', 0) as { id: string; links: { rel: string; href: string }[] };
        const capability = hook.links.find((l) => l.rel === 'capability')?.href;
        expect(capability).to.match(/\/autoscale\/v1\.0\/execute\/1\/[0-9a-f]{64}\/$/);
        const one = await api('GET', `${policyUrl}/webhooks/${hook.id}`);
        expect(field(one.result, 'webhook', 'links')).to.equal(hook.links); // the same capability on every read
        expect((await api('PUT', `${policyUrl}/webhooks/${hook.id}`, { name: 'renamed' })).statusCode).to.equal(204);
        const listed = field((await api('GET', `${policyUrl}/webhooks`)).result, 'webhooks') as { id: string; name: string }[];
        expect(listed.find((w) => w.id === hook.id)?.name).to.equal('renamed');

        const full = await api('GET', `/${tenant}/groups/${id}?webhooks=true`);
        const withHooks = (field(full.result, 'group', 'scalingPolicies') as { id: string; webhooks: unknown[] }[]).find((p) => p.id === a?.id);
        expect(withHooks?.webhooks).to.have.length(2);

        expect((await api('DELETE', `${policyUrl}/webhooks/${hook.id}`)).statusCode).to.equal(204);
        expect((await api('GET', `${policyUrl}/webhooks/${hook.id}`)).statusCode).to.equal(404);
        expect((await api('DELETE', policyUrl)).statusCode).to.equal(204);
        expect(field((await api('GET', policyUrl)).result, 'error', 'type')).to.equal('NoSuchPolicyError');
    });

    it('deletes a group only when empty, or with force', async () => {
        const id = await created();
        const refused = await api('DELETE', `/${tenant}/groups/${id}`);
        expect(refused.statusCode).to.equal(403);
        expect(field(refused.result, 'error', 'type')).to.equal('GroupNotEmptyError');
        expect((await api('DELETE', `/${tenant}/groups/${id}?force=true`)).statusCode).to.equal(204);
        expect((await api('GET', `/${tenant}/groups/${id}`)).statusCode).to.equal(404);
    });

    it('takes JSON bodies as written: a string is not a number', async () => {
        const body = validGroup();
        const res = await api('POST', `/${tenant}/groups`, { ...body, groupConfiguration: { ...body.groupConfiguration, cooldown: '60' } });
        expect(res.statusCode).to.equal(400);
        expect(field(res.result, 'error', 'details', 'field')).to.equal('groupConfiguration.cooldown');
    });

    it('answers unknown paths and methods under the prefix in the contract shape', async () => {
        for (const [method, url] of [['GET', '/autoscale/nope'], ['PATCH', `/autoscale/v1.0/${tenant}/groups`]] as const) {
            const res = await api(method, url);
            expect(res.statusCode).to.equal(404);
            expect(field(res.result, 'error', 'type')).to.equal('NotFoundError');
        }
    });

    it('answers limits and health', async () => {
        expect(field((await api('GET', `/${tenant}/limits`)).result, 'limits', 'absolute')).to.equal({ maxGroups: 1000, maxPoliciesPerGroup: 100, maxWebhooksPerPolicy: 25 });
        const health = await server.inject('/autoscale/health');
        expect(health.statusCode).to.equal(200);
        expect(health.result).to.equal({ status: 'ok' });
    });
});
