// Every route of the plugin, against every kind of caller, with tokens checked
// by the simulator's Keystone over real HTTP.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import Hapi from '@hapi/hapi';
import { serviceAccountFromEnv } from '../adapters/keystone/service-account';
import type { Clock } from '../core/ports/clock';
import { plugin } from '../plugin';
import { adminProjectId, DEMO, serviceProjectId, startSimulator, type Simulator } from '../simulator';
import { tenantSnapshot, testDatabase, testKnex } from './support/database';
import { bodyFor } from './support/route-bodies';
import { field, freshTenant, validGroup, webhookPolicy } from './support/server';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

interface Fixture {
    groupId: string;
    policyId: string;
    webhookId: string;
    serverId: string;    // a server the group's ledger holds (DELETE .../servers/{serverId})
}

// A clock both the simulator and the plugin read, so that expiry can be walked through.
const movableClock = (): Clock & { advance(ms: number): void } => {
    let offset = 0;
    return { now: () => new Date(Date.now() + offset), advance: (ms) => { offset += ms; } };
};

describe('auth matrix (simulator Keystone over HTTP)', () => {
    let sim: Simulator;
    let server: Hapi.Server;
    const clock = movableClock();
    const tenantA = freshTenant();
    const tenantB = freshTenant();
    // admin: the admin role on the admin project (everything); localAdmin: the
    // admin role on tenant A's own project, which makes it only A's member;
    // reader: only `reader` on A (reads, never writes); oldMember: `_member_` on A.
    const tokens: Record<'a' | 'b' | 'admin' | 'localAdmin' | 'reader' | 'oldMember', string> = { a: '', b: '', admin: '', localAdmin: '', reader: '', oldMember: '' };

    before(async () => {
        sim = await startSimulator({ demo: true, now: clock.now });
        for (const id of [tenantA, tenantB]) {
            sim.addProject({ id, name: id });
            sim.addUser({ name: `user-${id}`, password: 'pw', defaultProjectId: id, roles: [{ projectId: id, role: 'member' }] });
        }

        sim.addUser({ name: 'boss-a', password: 'pw', roles: [{ projectId: tenantA, role: 'admin' }] });
        tokens.a = sim.issueToken({ userName: `user-${tenantA}`, projectId: tenantA });
        tokens.b = sim.issueToken({ userName: `user-${tenantB}`, projectId: tenantB });
        // The demo's operator on the demo's admin project, named 'admin' with an id
        // that is not: the default adminProject matches it by name.
        tokens.admin = sim.issueToken({ userName: DEMO.operator.name, projectId: adminProjectId });
        tokens.localAdmin = sim.issueToken({ userName: 'boss-a', projectId: tenantA });
        sim.addUser({ name: 'reader-a', password: 'pw', roles: [{ projectId: tenantA, role: 'reader' }] });
        tokens.reader = sim.issueToken({ userName: 'reader-a', projectId: tenantA });
        sim.addUser({ name: 'old-member-a', password: 'pw', roles: [{ projectId: tenantA, role: '_member_' }] });
        tokens.oldMember = sim.issueToken({ userName: 'old-member-a', projectId: tenantA });

        const db = await testDatabase();
        const serviceAccount = serviceAccountFromEnv({
            OS_AUTH_URL: sim.authUrl, OS_USERNAME: 'autoscale', OS_PASSWORD: 'secret', OS_PROJECT_ID: serviceProjectId
        });
        server = Hapi.server();
        await server.register({ plugin, options: { database: { knex: db.knex }, openstack: { serviceAccount: serviceAccount ?? undefined }, clock, schedules: { intervalMs: 0 } } }, { routes: { prefix: '/autoscale' } });
        await server.initialize();
    });

    after(async () => {
        await server.stop();
        await sim.stop();
    });

    const inject = (method: string, url: string, token: string | null, payload?: unknown) =>
        server.inject({ method, url, headers: token === null ? {} : { 'x-auth-token': token }, ...(payload === undefined ? {} : { payload: payload as object }) });

    const fixture = async (tenant: string, token: string): Promise<Fixture> => {
        const group = await inject('POST', `/autoscale/v1.0/${tenant}/groups`, token, { ...validGroup(), scalingPolicies: [webhookPolicy()] });
        expect(group.statusCode, JSON.stringify(group.result)).to.equal(201);
        const groupId = String(field(group.result, 'group', 'id'));
        const policyId = String(field(group.result, 'group', 'scalingPolicies', 0, 'id'));
        const hooks = await inject('POST', `/autoscale/v1.0/${tenant}/groups/${groupId}/policies/${policyId}/webhooks`, token, [{ name: 'w' }]);
        const serverId = `srv-${groupId}`;
        const now = clock.now();
        await (await testKnex())('servers').insert({ intent_id: `intent-${groupId}`, group_id: groupId, server_id: serverId, state: 'active', created_at: now, updated_at: now });
        return { groupId, policyId, webhookId: String(field(hooks.result, 'webhooks', 0, 'id')), serverId };
    };

    // A group with desired capacity is deleted only with force.
    const fill = (method: string, path: string, tenant: string, f: Fixture): string =>
        path.replace('{tenantId}', tenant).replace('{groupId}', f.groupId).replace('{policyId}', f.policyId).replace('{webhookId}', f.webhookId).replace('{serverId}', f.serverId) +
        (method === 'delete' && path.endsWith('/groups/{groupId}') ? '?force=true' : '');

    it('holds for every tenant route: 401, 401, 403, 404, admin and owner allowed, a project\'s own admin only there', async () => {
        const routes = server.table().filter((r) => r.path.startsWith('/autoscale/v1.0/{tenantId}'));
        expect(routes.length).to.be.at.least(20);
        for (const route of routes) {
            const what = `${route.method.toUpperCase()} ${route.path}`;
            const a = await fixture(tenantA, tokens.a);
            const b = await fixture(tenantB, tokens.b);
            const body = bodyFor(route.method.toUpperCase(), route.path);
            const url = fill(route.method, route.path, tenantA, a);

            const none = await inject(route.method, url, null, body);
            expect(none.statusCode, `${what} without a token`).to.equal(401);
            expect(field(none.result, 'error', 'code')).to.equal(401);
            expect((await inject(route.method, url, 'not-a-token', body)).statusCode, `${what} bad token`).to.equal(401);
            expect((await inject(route.method, url, tokens.b, body)).statusCode, `${what} another tenant's token`).to.equal(403);
            if (route.path.includes('{groupId}')) {
                // Tenant A's own URL, naming tenant B's group: it does not exist for A.
                const other = await inject(route.method, fill(route.method, route.path, tenantA, b), tokens.a, body);
                expect(other.statusCode, `${what} another tenant's group`).to.equal(404);
            }

            const admin = await inject(route.method, url, tokens.admin, body);
            expect(admin.statusCode, `${what} admin: ${JSON.stringify(admin.result)}`).to.be.within(200, 299);
            const owner = await inject(route.method, fill(route.method, route.path, tenantA, await fixture(tenantA, tokens.a)), tokens.a, body);
            expect(owner.statusCode, `${what} owner: ${JSON.stringify(owner.result)}`).to.be.within(200, 299);
            // The admin role on tenant A's own project: A's member, a stranger to B.
            const local = await inject(route.method, fill(route.method, route.path, tenantA, await fixture(tenantA, tokens.a)), tokens.localAdmin, body);
            expect(local.statusCode, `${what} A's own admin in A: ${JSON.stringify(local.result)}`).to.be.within(200, 299);
            expect((await inject(route.method, fill(route.method, route.path, tenantB, b), tokens.localAdmin, body)).statusCode, `${what} A's own admin in B`).to.equal(403);
            if (route.path.includes('{groupId}')) {
                const other = await inject(route.method, fill(route.method, route.path, tenantA, b), tokens.localAdmin, body);
                expect(other.statusCode, `${what} A's own admin, B's group`).to.equal(404);
            }

            // Roles (contract §10): a reader reads and never writes; `_member_` is a member.
            const read = route.method === 'get';
            const readerUrl = fill(route.method, route.path, tenantA, await fixture(tenantA, tokens.a));
            const before = await tenantSnapshot(tenantA, { requests: true });
            const reader = await inject(route.method, readerUrl, tokens.reader, body);
            if (read) {
                expect(reader.statusCode, `${what} reader: ${JSON.stringify(reader.result)}`).to.be.within(200, 299);
            }
            else {
                expect(reader.statusCode, `${what} reader`).to.equal(403);
                expect(field(reader.result, 'error', 'details')).to.equal({ reason: 'role' });
                expect(field(reader.result, 'error', 'message')).to.equal('A write needs the member role on the project; this token has reader');
                expect(await tenantSnapshot(tenantA, { requests: true }), `${what} reader's write changed nothing`).to.equal(before);
            }

            const old = await inject(route.method, fill(route.method, route.path, tenantA, await fixture(tenantA, tokens.a)), tokens.oldMember, body);
            expect(old.statusCode, `${what} _member_: ${JSON.stringify(old.result)}`).to.be.within(200, 299);
        }
    });

    it('lets only the admin project\'s admin use the admin routes', async () => {
        const routes = server.table().filter((r) => r.path.startsWith('/autoscale/admin/') && !r.path.startsWith('/autoscale/admin/ui'));
        expect(routes.length).to.be.at.least(5);
        const a = await fixture(tenantA, tokens.a);
        for (const route of routes) {
            const url = fill(route.method, route.path.replace('{scope}', 'global'), tenantA, a);
            const body = bodyFor(route.method.toUpperCase(), route.path);
            for (const token of [tokens.a, tokens.localAdmin]) {
                expect((await inject(route.method, url, token, body)).statusCode, `${route.method} ${route.path}`).to.equal(403);
            }
        }

        expect((await inject('GET', '/autoscale/admin/kill-switches', tokens.admin)).statusCode).to.equal(200);
        expect((await inject('GET', '/autoscale/admin/instances', tokens.admin)).statusCode).to.equal(200);
        expect((await inject('GET', '/autoscale/admin/instances', null)).statusCode).to.equal(401);
    });

    it('serves the operator page\'s files to anyone, whatever token comes with them: the page\'s API calls carry the token', async () => {
        const routes = server.table().filter((r) => r.path.startsWith('/autoscale/admin/ui'));
        expect(routes.map((r) => `${r.method} ${r.path}`).sort()).to.equal(['get /autoscale/admin/ui', 'get /autoscale/admin/ui/app.css', 'get /autoscale/admin/ui/app.js']);
        for (const route of routes) {
            for (const token of [null, 'not-a-token', tokens.a, tokens.b, tokens.reader, tokens.localAdmin, tokens.admin]) {
                expect((await inject(route.method, route.path, token)).statusCode, `${route.path} with ${token === null ? 'no token' : 'a token'}`).to.equal(200);
            }
        }
    });

    it('caches a valid answer only until the token expires', async () => {
        const short = sim.issueToken({ userName: `user-${tenantA}`, projectId: tenantA, expiresInS: 30 });
        const url = `/autoscale/v1.0/${tenantA}/limits`;
        expect((await inject('GET', url, short)).statusCode).to.equal(200);
        sim.revokeToken(short);
        const asked = sim.requests.filter((r) => r.service === 'identity' && r.method === 'GET').length;
        expect((await inject('GET', url, short)).statusCode).to.equal(200); // from the cache: Keystone not asked
        expect(sim.requests.filter((r) => r.service === 'identity' && r.method === 'GET').length).to.equal(asked);
        clock.advance(31_000);
        expect((await inject('GET', url, short)).statusCode).to.equal(401);
    });

    it('caches a long-lived token for at most 5 minutes', async () => {
        const long = sim.issueToken({ userName: `user-${tenantA}`, projectId: tenantA, expiresInS: 3600 });
        const url = `/autoscale/v1.0/${tenantA}/limits`;
        expect((await inject('GET', url, long)).statusCode).to.equal(200);
        sim.revokeToken(long);
        clock.advance(4 * 60_000);
        expect((await inject('GET', url, long)).statusCode).to.equal(200);
        clock.advance(61_000);
        expect((await inject('GET', url, long)).statusCode).to.equal(401);
    });

    it('answers 503 with Retry-After, not 500, when Keystone cannot be asked', async () => {
        const fresh = sim.issueToken({ userName: `user-${tenantA}`, projectId: tenantA });
        const rule = sim.faults.add({ service: 'identity', status: 503 });
        try {
            const res = await inject('GET', `/autoscale/v1.0/${tenantA}/limits`, fresh);
            expect(res.statusCode).to.equal(503);
            expect(field(res.result, 'error', 'type')).to.equal('ServiceUnavailableError');
            expect(field(res.result, 'error', 'message')).to.equal('Identity service unavailable: cannot validate X-Auth-Token');
            expect(res.headers['retry-after']).to.equal('5');
        }
        finally {
            sim.faults.remove(rule.id);
        }
    });
});
