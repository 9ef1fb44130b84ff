// Admin routes (contract §5): kill-switches and how triggers honour them,
// overrides of any tenant's group, and the forced execute, which skips
// cooldown and debounce but never pause, kill-switches or bounds.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type Hapi from '@hapi/hapi';
import type { ServerInjectResponse } from '@hapi/hapi';
import type { Clock } from '../core/ports/clock';
import { tenantSnapshot, testKnex } from './support/database';
import { tableValidator } from './support/identity';
import { errorOf } from './support/refusal';
import { caller, field, freshTenant, testServer, validGroup, type Caller } from './support/server';

const { describe, it, before, after, afterEach } = exports.lab = Lab.script();
const { expect } = Code;

const movableClock = (): Clock & { advance(ms: number): void } => {
    let offset = 0;
    return { now: () => new Date(Date.now() + offset), advance: (ms) => { offset += ms; } };
};

interface Snapshot {
    groups: unknown[];
    policies: Record<string, unknown>[];
    webhooks: unknown[];
    activity: { reason: string; source: string; who: string; message: string }[];
    overrides: unknown[];
    killSwitches: unknown[];
}

// The tenant's rows, its overrides and every kill-switch.
const snapshot = async (tenant: string): Promise<Snapshot> => {
    const knex = await testKnex();
    const overrides = await knex('overrides').whereIn('group_id', knex('groups').where({ tenant_id: tenant }).select('id')).orderBy('group_id');
    const killSwitches = await knex('kill_switches').orderBy('scope');
    return JSON.parse(JSON.stringify({ ...JSON.parse(await tenantSnapshot(tenant)), overrides, killSwitches })) as Snapshot;
};

// A trigger's bookkeeping of its last decision (the debounce window's anchor) aside.
const withoutDecisionPointers = (s: Snapshot) => ({
    ...s, activity: [], policies: s.policies.map(({ last_decision_at: _at, last_decision_id: _id, ...rest }) => rest)
});

// A refused trigger: 403 with the reason, and its activity row is all it wrote.
const refusedWith = async (tenant: string, send: () => Promise<ServerInjectResponse<unknown>>, reason: string) => {
    const before = await snapshot(tenant);
    const res = await send();
    expect(res.statusCode, res.payload).to.equal(403);
    expect(errorOf(res).details.reason).to.equal(reason);
    const now = await snapshot(tenant);
    expect(withoutDecisionPointers(now)).to.equal(withoutDecisionPointers(before));
    expect(now.activity.length).to.equal(before.activity.length + 1);
    expect(now.activity[now.activity.length - 1]?.reason).to.equal(reason);
    return now.activity[now.activity.length - 1];
};

const refusedAndUnwritten = async (tenant: string, send: () => Promise<ServerInjectResponse<unknown>>, status: number, type: string, fieldName?: string) => {
    const before = await snapshot(tenant);
    const res = await send();
    expect(res.statusCode, res.payload).to.equal(status);
    const error = errorOf(res);
    expect(error.type, res.payload).to.equal(type);
    if (fieldName !== undefined) {
        expect(error.details.field, res.payload).to.equal(fieldName);
    }

    expect(await snapshot(tenant)).to.equal(before);
    return error;
};

describe('admin routes', () => {
    let server: Hapi.Server;
    let api: Caller;
    let admin: Caller;
    const clock = movableClock();
    const tenant = freshTenant();
    const inMinutes = (m: number) => new Date(clock.now().getTime() + m * 60_000).toISOString();

    before(async () => {
        server = await testServer({
            validator: tableValidator({
                tok: { projectId: tenant, user: 'alice' },
                rd: { projectId: tenant, user: 'rita', roles: ['reader'] },
                op: { projectId: 'admin', roles: ['admin'], user: 'operator' }
            }),
            supervisor: { debounceMs: 0 }, region: 'RegionOne', clock
        });
        api = caller(server, 'tok');
        admin = caller(server, 'op');
    });

    // Kill-switches are global: none may outlive its test (other files share the database).
    afterEach(async () => {
        await (await testKnex())('kill_switches').delete();
    });

    after(() => server.stop());

    const group = async (config: Record<string, unknown> = {}, changes: number[] = [1, -1]) => {
        const res = await api('POST', `/${tenant}/groups`, {
            ...validGroup(),
            groupConfiguration: { name: 'g', cooldown: 0, minEntities: 0, maxEntities: 10, ...config },
            scalingPolicies: changes.map((change, i) => ({ name: `p${i}`, cooldown: 0, type: 'webhook', change }))
        });
        expect(res.statusCode, res.payload).to.equal(201);
        const groupId = String(field(res.result, 'group', 'id'));
        const policy = (i: number) => String(field(res.result, 'group', 'scalingPolicies', i, 'id'));
        return {
            url: `/${tenant}/groups/${groupId}`,
            up: `/${tenant}/groups/${groupId}/policies/${policy(0)}/execute`,
            down: `/${tenant}/groups/${groupId}/policies/${policy(1)}/execute`,
            forceUp: `/autoscale/admin/tenants/${tenant}/groups/${groupId}/policies/${policy(0)}/execute`,
            override: `/autoscale/admin/tenants/${tenant}/groups/${groupId}/override`
        };
    };

    const desired = async (url: string) => field((await api('GET', `${url}/state`)).result, 'group', 'desiredCapacity');
    const setSwitch = async (scope: string, body: Record<string, unknown>) => {
        const res = await admin('PUT', `/autoscale/admin/kill-switches/${scope}`, body);
        expect(res.statusCode, res.payload).to.equal(204);
    };

    // The operator page's files are under /admin too, and open to anyone (test/operator-page.ts).
    it('keeps every admin route from tenants (403) and from anonymous callers (401)', async () => {
        const routes = server.table().filter((r) => r.path.startsWith('/autoscale/admin') && !r.path.startsWith('/autoscale/admin/ui'));
        expect(routes.length).to.equal(8);
        const g = await group();
        for (const route of routes) {
            const url = route.path.replace('{scope}', 'global').replace('{tenantId}', tenant)
                .replace('{groupId}', g.url.split('/').pop() ?? '').replace('{policyId}', g.up.split('/').at(-2) ?? '');
            const before = await snapshot(tenant);
            const anonymous = await caller(server, null)(route.method, url, {});
            expect(anonymous.statusCode, `${route.method} ${url}`).to.equal(401);
            const tenantCall = await api(route.method, url, {});
            expect(tenantCall.statusCode, `${route.method} ${url}`).to.equal(403);
            expect(errorOf(tenantCall).type).to.equal('ForbiddenError');
            expect(await snapshot(tenant)).to.equal(before);
        }
    });

    it('sets, lists, replaces and clears kill-switches; who comes from the token', async () => {
        await setSwitch('global', { mode: 'all', reason: 'Nova upgrade' });
        const expiresAt = inMinutes(30);
        await setSwitch('region:RegionOne', { mode: 'scale-up', reason: 'capacity', expiresAt });
        const listed = await admin('GET', '/autoscale/admin/kill-switches');
        expect(listed.statusCode).to.equal(200);
        expect(field(listed.result, 'killSwitches')).to.equal([
            { scope: 'global', mode: 'all', reason: 'Nova upgrade', who: 'operator', expiresAt: null },
            { scope: 'region:RegionOne', mode: 'scale-up', reason: 'capacity', who: 'operator', expiresAt }
        ]);

        await setSwitch('global', { mode: 'scale-up', reason: 'milder' });
        expect(field((await admin('GET', '/autoscale/admin/kill-switches')).result, 'killSwitches', 0, 'mode')).to.equal('scale-up');
        expect((await admin('DELETE', '/autoscale/admin/kill-switches/global')).statusCode).to.equal(204);
        const gone = await admin('DELETE', '/autoscale/admin/kill-switches/global');
        expect(gone.statusCode).to.equal(404);
        expect(errorOf(gone).type).to.equal('NoSuchKillSwitchError');
        expect(field((await admin('GET', '/autoscale/admin/kill-switches')).result, 'killSwitches', 'length')).to.equal(1);
    });

    it('refuses bad scopes and bodies with 400 naming the field, writing nothing', async () => {
        const ok = { mode: 'all', reason: 'why' };
        const cases: [string, unknown, string][] = [
            ['regional:x', ok, 'scope'],
            ['region:', ok, 'scope'],
            ['Global', ok, 'scope'],
            [`region:${'r'.repeat(256)}`, ok, 'scope'],
            ['global', { ...ok, mode: 'scale-down' }, 'mode'],
            ['global', { reason: 'why' }, 'mode'],
            ['global', { mode: 'all' }, 'reason'],
            ['global', { ...ok, reason: ' ' }, 'reason'],
            ['global', { ...ok, expiresAt: inMinutes(-1) }, 'expiresAt'],
            ['global', { ...ok, expiresAt: 'tomorrow' }, 'expiresAt'],
            ['global', { ...ok, who: 'mallory' }, 'who']
        ];
        for (const [scope, body, name] of cases) {
            await refusedAndUnwritten(tenant, () => admin('PUT', `/autoscale/admin/kill-switches/${scope}`, body), 400, 'ValidationError', name);
        }

        await refusedAndUnwritten(tenant, () => admin('DELETE', '/autoscale/admin/kill-switches/regional:x'), 400, 'ValidationError', 'scope');
    });

    it('`all` refuses every move with `kill_switch`; `scale-up` lets a decrease through', async () => {
        const g = await group();
        expect((await api('POST', g.up)).statusCode).to.equal(202);
        expect((await api('POST', g.up)).statusCode).to.equal(202);
        await setSwitch('global', { mode: 'all', reason: 'outage' });
        const row = await refusedWith(tenant, () => api('POST', g.up), 'kill_switch');
        expect(row?.message).to.contain('outage');
        await refusedWith(tenant, () => api('POST', g.down), 'kill_switch');
        expect(await desired(g.url)).to.equal(2);

        await setSwitch('global', { mode: 'scale-up', reason: 'outage' });
        await refusedWith(tenant, () => api('POST', g.up), 'kill_switch');
        expect((await api('POST', g.down)).statusCode).to.equal(202);
        expect(await desired(g.url)).to.equal(1);
    });

    it('matches region switches against the plugin option `region`', async () => {
        const g = await group();
        await setSwitch('region:RegionTwo', { mode: 'all', reason: 'not ours' });
        expect((await api('POST', g.up)).statusCode).to.equal(202);
        await setSwitch('region:RegionOne', { mode: 'all', reason: 'ours' });
        await refusedWith(tenant, () => api('POST', g.up), 'kill_switch');
        expect(await desired(g.url)).to.equal(1);
    });

    it('honours a kill-switch expiry by the plugin clock', async () => {
        const g = await group();
        await setSwitch('global', { mode: 'all', reason: 'brief', expiresAt: inMinutes(10) });
        await refusedWith(tenant, () => api('POST', g.up), 'kill_switch');
        clock.advance(10 * 60_000 + 1000);
        expect(field((await admin('GET', '/autoscale/admin/kill-switches')).result, 'killSwitches')).to.equal([]);
        expect((await api('POST', g.up)).statusCode).to.equal(202);
        expect(await desired(g.url)).to.equal(1);
    });

    it('forced execute skips cooldown, names the admin and the reason', async () => {
        const g = await group({ cooldown: 600 });
        expect((await api('POST', g.up)).statusCode).to.equal(202);
        await refusedWith(tenant, () => api('POST', g.up), 'cooldown');
        const forced = await admin('POST', g.forceUp, { force: true, reason: 'ticket 42' });
        expect(forced.statusCode, forced.payload).to.equal(202);
        expect(field(forced.result, 'activity', 'reason')).to.equal('forced');
        expect(await desired(g.url)).to.equal(2);
        const rows = field((await api('GET', `${g.url}/activity`)).result, 'activity') as { source: string; who: string; reason: string; message: string }[];
        expect(rows[0]).to.include({ source: 'admin', who: 'operator', reason: 'forced' });
        expect(rows[0]?.message).to.contain('ticket 42');
    });

    it('forced execute never passes the maximum, a pause, a kill-switch or an override', async () => {
        const g = await group({ maxEntities: 1 });
        const force = () => admin('POST', g.forceUp, { force: true, reason: 'try' });
        expect((await force()).statusCode).to.equal(202);
        await refusedWith(tenant, force, 'at_max');

        const h = await group();
        await setSwitch('global', { mode: 'scale-up', reason: 'hold' });
        const forceH = () => admin('POST', h.forceUp, { force: true, reason: 'try' });
        await refusedWith(tenant, forceH, 'kill_switch');
        await api('POST', `${h.url}/pause`);
        await refusedWith(tenant, forceH, 'paused'); // paused beats the kill-switch
        await api('POST', `${h.url}/resume`);
        await (await testKnex())('kill_switches').delete();

        expect((await admin('PUT', h.override, { desiredCapacity: 3, reason: 'pin', expiresAt: inMinutes(60) })).statusCode).to.equal(204);
        await refusedWith(tenant, forceH, 'override');
        expect(await desired(h.url)).to.equal(3);
    });

    it('a member may force too (contract §4): past the cooldown, named with the reason; never past the maximum, a pause or a kill-switch', async () => {
        const g = await group({ cooldown: 600, maxEntities: 3 });
        expect((await api('POST', g.up)).statusCode).to.equal(202);
        await refusedWith(tenant, () => api('POST', g.up), 'cooldown');
        await refusedWith(tenant, () => api('POST', g.up, { force: false }), 'cooldown');
        const forced = await api('POST', g.up, { force: true, reason: 'launch day' });
        expect(forced.statusCode, forced.payload).to.equal(202);
        expect(field(forced.result, 'activity', 'reason')).to.equal('forced');
        expect(await desired(g.url)).to.equal(2);
        const rows = field((await api('GET', `${g.url}/activity`)).result, 'activity') as { source: string; who: string; reason: string; message: string }[];
        expect(rows[0]).to.include({ source: 'manual', who: 'alice', reason: 'forced' });
        expect(rows[0]?.message).to.contain('launch day');

        const force = () => api('POST', g.up, { force: true, reason: 'more' });
        expect((await force()).statusCode).to.equal(202);
        await refusedWith(tenant, force, 'at_max');
        const h = await group();
        const forceH = () => api('POST', h.up, { force: true, reason: 'try' });
        await setSwitch('global', { mode: 'scale-up', reason: 'hold' });
        await refusedWith(tenant, forceH, 'kill_switch');
        await (await testKnex())('kill_switches').delete();
        await api('POST', `${h.url}/pause`);
        await refusedWith(tenant, forceH, 'paused');
    });

    it('refuses a member\'s forced execute without a reason, a reason without force, and any force from a reader', async () => {
        const g = await group();
        await refusedAndUnwritten(tenant, () => api('POST', g.up, { force: true }), 400, 'ValidationError', 'reason');
        await refusedAndUnwritten(tenant, () => api('POST', g.up, { force: false, reason: 'x' }), 400, 'ValidationError', 'reason');
        await refusedAndUnwritten(tenant, () => api('POST', g.up, { force: 'yes', reason: 'x' }), 400, 'ValidationError', 'force');
        await refusedAndUnwritten(tenant, () => api('POST', g.up, { force: true, reason: 'x', extra: 1 }), 400, 'ValidationError', 'extra');
        const refused = await refusedAndUnwritten(tenant, () => caller(server, 'rd')('POST', g.up, { force: true, reason: 'x' }), 403, 'ForbiddenError');
        expect(refused.details.reason).to.equal('role');
    });

    it('refuses a forced execute without force: true or a reason, and 404s unknown ids', async () => {
        const g = await group();
        await refusedAndUnwritten(tenant, () => admin('POST', g.forceUp, { force: false, reason: 'x' }), 400, 'ValidationError', 'force');
        await refusedAndUnwritten(tenant, () => admin('POST', g.forceUp, { reason: 'x' }), 400, 'ValidationError', 'force');
        await refusedAndUnwritten(tenant, () => admin('POST', g.forceUp, { force: true }), 400, 'ValidationError', 'reason');
        await refusedAndUnwritten(tenant, () => admin('POST', g.forceUp, { force: 'true', reason: 'x' }), 400, 'ValidationError', 'force');
        await refusedAndUnwritten(tenant, () => admin('POST', g.forceUp.replace(/policies\/[^/]+/, 'policies/nope'), { force: true, reason: 'x' }), 404, 'NoSuchPolicyError');
        await refusedAndUnwritten(tenant, () => admin('POST', g.forceUp.replace(`/tenants/${tenant}/`, '/tenants/someone-else/'), { force: true, reason: 'x' }), 404, 'NoSuchScalingGroupError');
    });

    it('keeps every set and clear of a kill-switch in its history, newest first, in pages', async () => {
        const until = inMinutes(30);
        const started = clock.now().getTime();
        await setSwitch('global', { mode: 'scale-up', reason: 'history one' });
        clock.advance(1000);
        await setSwitch('region:r9', { mode: 'all', reason: 'history two', expiresAt: until });
        clock.advance(1000);
        expect((await admin('DELETE', '/autoscale/admin/kill-switches/global')).statusCode).to.equal(204);
        expect((await admin('DELETE', '/autoscale/admin/kill-switches/global')).statusCode).to.equal(404);   // nothing to clear: no row
        const first = await admin('GET', '/autoscale/admin/kill-switches?history=true&limit=2');
        expect(first.statusCode, first.payload).to.equal(200);
        const page = first.result as { history: Record<string, unknown>[]; history_links: { href: string; rel: string }[] };
        expect(page.history.map(({ id: _id, at: _at, ...rest }) => rest)).to.equal([
            { action: 'cleared', scope: 'global', mode: 'scale-up', reason: 'history one', who: 'operator', expiresAt: null },
            { action: 'set', scope: 'region:r9', mode: 'all', reason: 'history two', who: 'operator', expiresAt: until }
        ]);
        // Stamped by the plugin's clock, which the test moved a second between the steps.
        const [cleared, set] = page.history.map((e) => Date.parse(String(e.at)));
        expect(set).to.be.within(started + 1000, (cleared ?? 0) - 1000);
        expect(cleared).to.be.at.most(clock.now().getTime());
        const next = page.history_links[0]?.href ?? '';
        expect(next).to.equal(`http://${server.info.host}:${server.info.port}/autoscale/admin/kill-switches?history=true&limit=2&marker=${String(page.history[1]?.id)}`);
        const second = await admin('GET', next.slice(next.indexOf('/autoscale/')));
        expect(field(second.result, 'history', 0)).to.include({ action: 'set', scope: 'global', reason: 'history one' });
        // The switches in force are the plain answer still.
        expect(field((await admin('GET', '/autoscale/admin/kill-switches')).result, 'killSwitches', 0)).to.include({ scope: 'region:r9' });
    });

    it('refuses paging the switches in force, and a marker that is no history id', async () => {
        for (const [query, name] of [['limit=2', 'limit'], ['history=false&marker=1', 'marker'], ['history=true&marker=x', 'marker'], ['history=maybe', 'history']]) {
            const res = await admin('GET', `/autoscale/admin/kill-switches?${String(query)}`);
            expect(res.statusCode, `${String(query)}: ${res.payload}`).to.equal(400);
            expect(errorOf(res).details.field).to.equal(name);
        }
    });

    it('sets and clears an override on any tenant\'s group, recorded as the admin', async () => {
        const g = await group({ maxEntities: 4 });
        const expiresAt = inMinutes(60);
        expect((await admin('PUT', g.override, { maxEntities: 8, desiredCapacity: 6, reason: 'event', expiresAt })).statusCode).to.equal(204);
        expect(await desired(g.url)).to.equal(6);
        expect(field((await admin('GET', g.override)).result, 'override')).to.include({ desiredCapacity: 6, maxEntities: 8, who: 'operator', expiresAt });
        expect(field((await api('GET', `${g.url}/override`)).result, 'override', 'who')).to.equal('operator');
        const rows = () => api('GET', `${g.url}/activity`).then((res) => field(res.result, 'activity') as { source: string; who: string; kind: string }[]);
        expect((await rows())[0]).to.include({ source: 'admin', who: 'operator', kind: 'override' });

        await refusedAndUnwritten(tenant, () => admin('PUT', g.override, { desiredCapacity: 6, reason: 'event', expiresAt: inMinutes(-5) }), 400, 'ValidationError', 'expiresAt');
        expect((await admin('DELETE', g.override)).statusCode).to.equal(204);
        expect(await desired(g.url)).to.equal(4);
        expect((await rows())[0]).to.include({ source: 'admin', who: 'operator', kind: 'override' });
        await refusedAndUnwritten(tenant, () => admin('PUT', g.override.replace(`/tenants/${tenant}/`, '/tenants/other/'), { desiredCapacity: 1, reason: 'x', expiresAt }), 404, 'NoSuchScalingGroupError');
    });

    it("an admin's override survives the tenant's PUT and DELETE (403 admin_override) until an admin clears it", async () => {
        const g = await group({ minEntities: 0 });
        const expiresAt = inMinutes(60);
        expect((await admin('PUT', g.override, { desiredCapacity: 0, reason: 'incident: freeze', expiresAt })).statusCode).to.equal(204);
        const put = await refusedAndUnwritten(tenant, () => api('PUT', `${g.url}/override`, { desiredCapacity: 3, reason: 'need more', expiresAt }), 403, 'CannotSetOverrideError');
        expect(put.details.reason).to.equal('admin_override');
        const cleared = await refusedAndUnwritten(tenant, () => api('DELETE', `${g.url}/override`), 403, 'CannotClearOverrideError');
        expect(cleared.details.reason).to.equal('admin_override');
        expect(field((await api('GET', `${g.url}/override`)).result, 'override')).to.include({ desiredCapacity: 0, reason: 'incident: freeze' });

        expect((await admin('DELETE', g.override)).statusCode).to.equal(204);
        expect(field((await api('GET', `${g.url}/override`)).result, 'override')).to.be.null();
        // The tenant's own override is the tenant's again, and an admin may still replace it.
        expect((await api('PUT', `${g.url}/override`, { desiredCapacity: 2, reason: 'mine', expiresAt })).statusCode).to.equal(204);
        expect((await admin('PUT', g.override, { desiredCapacity: 1, reason: 'ours now', expiresAt })).statusCode).to.equal(204);
        expect(await desired(g.url)).to.equal(1);
    });

    it('a kill-switch stops an override that would move desired past it, from tenant or admin', async () => {
        const g = await group({ minEntities: 2 });
        await setSwitch('global', { mode: 'scale-up', reason: 'hold' });
        const body = { desiredCapacity: 5, reason: 'more', expiresAt: inMinutes(60) };
        const error = await refusedAndUnwritten(tenant, () => api('PUT', `${g.url}/override`, body), 403, 'CannotSetOverrideError');
        expect(error.details.reason).to.equal('kill_switch');
        await refusedAndUnwritten(tenant, () => admin('PUT', g.override, body), 403, 'CannotSetOverrideError');
        // Down is not up: a scale-up switch lets a lower pin through.
        expect((await api('PUT', `${g.url}/override`, { ...body, desiredCapacity: 2, minEntities: 1 })).statusCode).to.equal(204);
        expect((await api('PUT', `${g.url}/override`, { ...body, desiredCapacity: 1, minEntities: 1 })).statusCode).to.equal(204);
        expect(await desired(g.url)).to.equal(1);

        // `all` stops every move, but a pin that moves nothing is no move.
        await setSwitch('global', { mode: 'all', reason: 'outage' });
        await refusedAndUnwritten(tenant, () => api('PUT', `${g.url}/override`, { ...body, desiredCapacity: 0, minEntities: 0 }), 403, 'CannotSetOverrideError');
        expect((await api('PUT', `${g.url}/override`, { ...body, desiredCapacity: 1, minEntities: 0 })).statusCode).to.equal(204);
        expect(await desired(g.url)).to.equal(1);
    });
});

describe('forced execute and debounce', () => {
    it('is never coalesced into an earlier decision', async () => {
        const tenant = freshTenant();
        const server = await testServer({
            validator: tableValidator({ tok: { projectId: tenant }, op: { projectId: 'admin', roles: ['Admin'], user: 'operator' } }),
            supervisor: { debounceMs: 60_000 }
        });
        try {
            const api = caller(server, 'tok');
            const made = await api('POST', `/${tenant}/groups`, { ...validGroup(), scalingPolicies: [{ name: 'p', cooldown: 0, type: 'webhook', change: 1 }] });
            const groupId = String(field(made.result, 'group', 'id'));
            const policyId = String(field(made.result, 'group', 'scalingPolicies', 0, 'id'));
            const execute = `/${tenant}/groups/${groupId}/policies/${policyId}/execute`;
            expect((await api('POST', execute)).statusCode).to.equal(202);
            expect(field((await api('POST', execute)).result, 'activity', 'reason')).to.equal('debounced');
            const forced = await caller(server, 'op')('POST', `/autoscale/admin/tenants/${tenant}/groups/${groupId}/policies/${policyId}/execute`, { force: true, reason: 'now' });
            expect(field(forced.result, 'activity', 'reason'), forced.payload).to.equal('forced');
            expect(field((await api('GET', `/${tenant}/groups/${groupId}/state`)).result, 'group', 'desiredCapacity')).to.equal(3);
        }
        finally {
            await server.stop();
        }
    });
});
