// GET /autoscale/metrics (contract §10): after a scripted scale-up and a Nova
// outage against the simulator, the counts moved as they should, the text
// parses strictly, the breaker shows open, the gauges count the ledger; an
// admin's token is asked unless the host opened the route.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { withRig } from './support/converge';
import { tableValidator } from './support/identity';
import { parseExposition, type Exposition } from './support/prom-text';
import { caller, field, freshTenant, testServer, validGroup, webhookPolicy } from './support/server';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('metrics', () => {
    it('count decisions, OpenStack requests by status, converger runs and an open breaker, after a scale-up and an outage', async () => {
        await withRig({ plugin: { converger: { recheckMs: 0, orphanGraceS: 60, backoffBaseMs: 0, stormGuard: false, breaker: { consecutiveFailures: 3 } } } }, async (rig) => {
            const scrape = async (): Promise<Exposition> => {
                const res = await rig.admin('GET', '/autoscale/metrics');
                expect(res.statusCode, res.payload).to.equal(200);
                expect(String(res.headers['content-type'])).to.startWith('text/plain; version=0.0.4');
                return parseExposition(res.payload);
            };

            const groupId = await rig.createGroup();
            const made = await rig.api('POST', `/${rig.tenant}/groups/${groupId}/policies`, [{ name: 'up', cooldown: 0, type: 'webhook', change: 2 }]);
            const policyId = String(field(made.result, 'policies', 0, 'id'));
            const execute = `/${rig.tenant}/groups/${groupId}/policies/${policyId}/execute`;
            expect((await rig.api('POST', execute)).statusCode).to.equal(202);
            await rig.converge(groupId);
            expect(rig.ours(groupId)).to.have.length(2);

            const before = await scrape();
            const region = rig.sim.region;
            expect(before.types.get('nova_autoscale_decisions_total')).to.equal('counter');
            expect(before.value('nova_autoscale_decisions_total', { source: 'manual', outcome: 'accepted', reason: 'policy' })).to.equal(1);
            expect(before.value('nova_autoscale_openstack_requests_total', { service: 'compute', region, method: 'POST', code: '202' })).to.equal(2);
            const requests = before.value('nova_autoscale_openstack_requests_total', { service: 'compute' });
            expect(before.value('nova_autoscale_openstack_request_seconds_count', { service: 'compute' })).to.equal(requests);
            // Keystone's too: the service account's token for the tenant's project.
            expect(before.value('nova_autoscale_openstack_requests_total', { service: 'identity', region, method: 'POST', code: '201' })).to.be.at.least(1);
            expect(before.value('nova_autoscale_converge_runs_total')).to.be.at.least(1);
            expect(before.value('nova_autoscale_breaker_open', { service: 'compute', region })).to.equal(0);
            // The gauges read the database every test shares: at least this group and its two servers.
            expect(before.value('nova_autoscale_groups', { status: 'ACTIVE' })).to.be.at.least(1);
            expect(before.value('nova_autoscale_servers')).to.be.at.least(2);
            expect(before.types.get('process_cpu_user_seconds_total')).to.equal('counter');   // the process's own

            // Nova away: every compute call answers 503 until the breaker opens.
            rig.sim.faults.add({ service: 'compute', status: 503 });
            expect((await rig.api('POST', execute)).statusCode).to.equal(202);
            for (let i = 0; i < 4; i++) {
                await rig.converge(groupId);
            }

            const after = await scrape();
            expect(after.value('nova_autoscale_decisions_total', { source: 'manual', outcome: 'accepted' })).to.equal(2);
            expect(after.value('nova_autoscale_openstack_requests_total', { service: 'compute', region, method: 'GET', code: '503' })).to.equal(3);
            expect(after.value('nova_autoscale_breaker_open', { service: 'compute', region })).to.equal(1);
            // The four by hand, and any the decision kicked: each listing failed, so each run held.
            expect(after.value('nova_autoscale_converge_runs_total', { result: 'hold' })).to.be.at.least(before.value('nova_autoscale_converge_runs_total', { result: 'hold' }) + 4);
            // A refused trigger is a decision too, with its reason.
            await rig.api('POST', `/${rig.tenant}/groups/${groupId}/pause`);
            expect((await rig.api('POST', execute)).statusCode).to.equal(403);
            expect((await scrape()).value('nova_autoscale_decisions_total', { source: 'manual', outcome: 'refused', reason: 'paused' })).to.equal(1);
        });
    });

    it('asks an admin\'s token, unless the host opened the route', async () => {
        const closed = await testServer({ validator: tableValidator({ tok: { projectId: 't1' }, op: { projectId: 'admin', roles: ['admin'] } }) });
        const open = await testServer({ validator: tableValidator({}), metrics: { auth: false } });
        try {
            expect((await closed.inject('/autoscale/metrics')).statusCode).to.equal(401);
            expect((await closed.inject({ url: '/autoscale/metrics', headers: { 'x-auth-token': 'tok' } })).statusCode).to.equal(403);
            expect((await closed.inject({ url: '/autoscale/metrics', headers: { 'x-auth-token': 'op' } })).statusCode).to.equal(200);
            const anonymous = await open.inject('/autoscale/metrics');
            expect(anonymous.statusCode).to.equal(200);
            expect(parseExposition(anonymous.payload).types.get('nova_autoscale_openstack_requests_total')).to.equal('counter');
        }
        finally {
            await closed.stop();
            await open.stop();
        }
    });

    it('are not kept when the host turns them off: no registry, no route, nothing counted, and the log still tells each decision', async () => {
        const tenant = freshTenant();
        const server = await testServer({ validator: tableValidator({ tok: { projectId: tenant }, op: { projectId: 'admin', roles: ['admin'] } }), metrics: { enabled: false } });
        const logged: { tags: string[]; data: unknown }[] = [];
        server.events.on('log', (event) => logged.push({ tags: event.tags, data: event.data }));
        try {
            const api = server.plugins['nova-autoscale'];
            expect(api.settings.metrics).to.equal({ enabled: false, auth: true });
            expect(api.metrics).to.be.null();
            const scrape = await server.inject({ url: '/autoscale/metrics', headers: { 'x-auth-token': 'op' } });
            expect(scrape.statusCode).to.equal(404);
            expect(server.table().some((route) => route.path === '/autoscale/metrics')).to.be.false();
            const openapi = await server.inject('/autoscale/openapi.json');
            expect(Object.keys(field(openapi.result, 'paths') as object)).to.not.include('/autoscale/metrics');

            const call = caller(server, 'tok');
            const created = await call('POST', `/${tenant}/groups`, { ...validGroup(), scalingPolicies: [webhookPolicy()] });
            expect(created.statusCode).to.equal(201);
            const groupId = String(field(created.result, 'group', 'id'));
            const policyId = String(field(created.result, 'group', 'scalingPolicies', 0, 'id'));
            const execute = await call('POST', `/${tenant}/groups/${groupId}/policies/${policyId}/execute`);
            expect(execute.statusCode).to.equal(202);
            const decision = logged.find((l) => l.tags.includes('decision'));
            expect(decision?.tags).to.equal(['nova-autoscale', 'supervisor', 'decision', 'info']);
            expect(decision?.data).to.include({ event: 'decision', outcome: 'accepted', source: 'manual', tenantId: tenant, groupId, policyId, requestId: execute.request.info.id });
        }
        finally {
            await server.stop();
        }
    });

    it('refuses a metrics option that is not a boolean', async () => {
        await expect(testServer({ validator: tableValidator({}), metrics: { enabled: 'no' as unknown as boolean } })).to.reject(/"metrics.enabled" must be a boolean/);
    });
});
