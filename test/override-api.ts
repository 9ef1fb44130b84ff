// A tenant's override (pin of desired or of the bounds, until it expires) and
// POST .../converge: what each accepts, what each refuses, and that a refusal
// writes nothing but the activity row the contract asks for.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type Hapi from '@hapi/hapi';
import type { ServerInjectResponse } from '@hapi/hapi';
import type { Clock } from '../core/ports/clock';
import { tenantSnapshot, testKnex } from './support/database';
import { tableValidator } from './support/identity';
import { errorOf } from './support/refusal';
import { caller, field, freshTenant, testServer, validGroup, type Caller } from './support/server';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const movableClock = (): Clock & { advance(ms: number): void } => {
    let offset = 0;
    return { now: () => new Date(Date.now() + offset), advance: (ms) => { offset += ms; } };
};

// tenantSnapshot plus the tenant's overrides: what a refused override must leave alone.
const footprint = async (tenant: string): Promise<string> => {
    const knex = await testKnex();
    const overrides = await knex('overrides').whereIn('group_id', knex('groups').where({ tenant_id: tenant }).select('id')).orderBy('group_id');
    return `${await tenantSnapshot(tenant)}${JSON.stringify(overrides)}`;
};

const refusedWithNothingWritten = async (tenant: string, send: () => Promise<ServerInjectResponse<unknown>>, status: number, type: string, fieldName?: string) => {
    const before = await footprint(tenant);
    const res = await send();
    expect(res.statusCode, res.payload).to.equal(status);
    const error = errorOf(res);
    expect(error.type).to.equal(type);
    if (fieldName !== undefined) {
        expect(error.details.field, res.payload).to.equal(fieldName);
    }

    expect(await footprint(tenant), `${res.request.url.pathname} wrote something`).to.equal(before);
    return error;
};

interface Activity { source: string; kind: string; outcome: string; reason: string; who: string; desiredBefore: number; desiredAfter: number }

describe('tenant override', () => {
    let server: Hapi.Server;
    let api: Caller;
    const clock = movableClock();
    const tenant = freshTenant();
    const inHours = (h: number) => new Date(clock.now().getTime() + h * 3600_000).toISOString();

    before(async () => {
        server = await testServer({ validator: tableValidator({ tok: { projectId: tenant, user: 'alice' } }), supervisor: { debounceMs: 0 }, clock });
        api = caller(server, 'tok');
    });

    after(() => server.stop());

    const group = async (config: Record<string, unknown> = {}, change = 1) => {
        const res = await api('POST', `/${tenant}/groups`, {
            ...validGroup(),
            groupConfiguration: { name: 'g', cooldown: 0, minEntities: 0, maxEntities: 10, ...config },
            scalingPolicies: [{ name: 'p', cooldown: 0, type: 'webhook', change }]
        });
        expect(res.statusCode, res.payload).to.equal(201);
        const url = `/${tenant}/groups/${String(field(res.result, 'group', 'id'))}`;
        return { url, execute: `${url}/policies/${String(field(res.result, 'group', 'scalingPolicies', 0, 'id'))}/execute` };
    };

    const desired = async (url: string) => field((await api('GET', `${url}/state`)).result, 'group', 'desiredCapacity');
    const activity = async (url: string) => field((await api('GET', `${url}/activity`)).result, 'activity') as Activity[];

    it('pins desired at once, refuses execute with `override`, and is freed by its expiry', async () => {
        const g = await group();
        const expiresAt = inHours(1);
        expect((await api('PUT', `${g.url}/override`, { desiredCapacity: 3, reason: 'launch day', expiresAt })).statusCode).to.equal(204);
        expect(await desired(g.url)).to.equal(3);
        expect((await activity(g.url))[0]).to.include({ source: 'manual', kind: 'override', reason: 'override', who: 'alice', desiredBefore: 0, desiredAfter: 3 });
        const shown = await api('GET', `${g.url}/override`);
        expect(field(shown.result, 'override')).to.equal({ desiredCapacity: 3, minEntities: null, maxEntities: null, reason: 'launch day', who: 'alice', expiresAt });

        const rows = (await activity(g.url)).length;
        const refused = await api('POST', g.execute);
        expect(refused.statusCode).to.equal(403);
        expect(field(refused.result, 'error', 'details', 'reason')).to.equal('override');
        expect(await desired(g.url)).to.equal(3);
        expect((await activity(g.url)).length).to.equal(rows + 1);

        clock.advance(3600_000 + 1000);
        expect(field((await api('GET', `${g.url}/override`)).result, 'override')).to.be.null();
        expect((await api('POST', g.execute)).statusCode).to.equal(202);
        expect(await desired(g.url)).to.equal(4);
    });

    it('pins the bounds: a policy stops at the override max with reason `override`', async () => {
        const g = await group();
        expect((await api('PUT', `${g.url}/override`, { minEntities: 1, maxEntities: 2, reason: 'budget', expiresAt: inHours(2) })).statusCode).to.equal(204);
        expect(await desired(g.url)).to.equal(1); // raised to the override's minimum
        expect((await api('POST', g.execute)).statusCode).to.equal(202);
        const atMax = await api('POST', g.execute);
        expect(field(atMax.result, 'error', 'details', 'reason')).to.equal('override');
        expect(await desired(g.url)).to.equal(2);
    });

    it('DELETE clamps desired back to the group bounds, and is idempotent', async () => {
        const g = await group({ maxEntities: 5 });
        expect((await api('PUT', `${g.url}/override`, { desiredCapacity: 7, maxEntities: 8, reason: 'burst', expiresAt: inHours(1) })).statusCode).to.equal(204);
        expect(await desired(g.url)).to.equal(7);
        expect((await api('DELETE', `${g.url}/override`)).statusCode).to.equal(204);
        expect(await desired(g.url)).to.equal(5);
        expect((await activity(g.url))[0]).to.include({ kind: 'override', outcome: 'done', desiredBefore: 7, desiredAfter: 5, who: 'alice' });
        expect(field((await api('GET', `${g.url}/override`)).result, 'override')).to.be.null();

        const before = await footprint(tenant);
        expect((await api('DELETE', `${g.url}/override`)).statusCode).to.equal(204);
        expect(await footprint(tenant)).to.equal(before);
    });

    it('replaces an override in place', async () => {
        const g = await group();
        await api('PUT', `${g.url}/override`, { desiredCapacity: 2, reason: 'one', expiresAt: inHours(1) });
        expect((await api('PUT', `${g.url}/override`, { desiredCapacity: 4, reason: 'two', expiresAt: inHours(1) })).statusCode).to.equal(204);
        expect(field((await api('GET', `${g.url}/override`)).result, 'override', 'reason')).to.equal('two');
        expect(await desired(g.url)).to.equal(4);
    });

    it('refuses bad bodies with 400 naming the field, writing nothing', async () => {
        const g = await group({ minEntities: 1, maxEntities: 5 });
        const put = (body: Record<string, unknown>) => () => api('PUT', `${g.url}/override`, body);
        const ok = { reason: 'why', expiresAt: inHours(1) };
        const cases: [Record<string, unknown>, string][] = [
            [{ ...ok }, 'desiredCapacity'],
            [{ ...ok, minEntities: 4, maxEntities: 3 }, 'minEntities'],
            [{ ...ok, desiredCapacity: 5, maxEntities: 4 }, 'desiredCapacity'],
            [{ ...ok, desiredCapacity: 1, minEntities: 2 }, 'desiredCapacity'],
            [{ ...ok, desiredCapacity: 1001 }, 'desiredCapacity'],
            [{ ...ok, maxEntities: -1 }, 'maxEntities'],
            [{ ...ok, desiredCapacity: 1.5 }, 'desiredCapacity'],
            [{ ...ok, desiredCapacity: '2' }, 'desiredCapacity'],
            [{ ...ok, desiredCapacity: null }, 'desiredCapacity'],
            [{ desiredCapacity: 2, expiresAt: inHours(1) }, 'reason'],
            [{ ...ok, desiredCapacity: 2, reason: '   ' }, 'reason'],
            [{ ...ok, desiredCapacity: 2, reason: '' }, 'reason'],
            [{ ...ok, desiredCapacity: 2, reason: 'x'.repeat(257) }, 'reason'],
            [{ desiredCapacity: 2, reason: 'why' }, 'expiresAt'],
            [{ ...ok, desiredCapacity: 2, expiresAt: inHours(-1) }, 'expiresAt'],
            [{ ...ok, desiredCapacity: 2, expiresAt: clock.now().toISOString() }, 'expiresAt'],
            [{ ...ok, desiredCapacity: 2, expiresAt: inHours(24 * 30 + 1) }, 'expiresAt'],
            [{ ...ok, desiredCapacity: 2, expiresAt: '2030-01-01T00:00:00+01:00' }, 'expiresAt'],
            [{ ...ok, desiredCapacity: 2, expiresAt: '2030-02-30T00:00:00Z' }, 'expiresAt'],
            [{ ...ok, desiredCapacity: 2, extra: 1 }, 'extra'],
            // Against the group's own bounds (1..5), in the store's transaction.
            [{ ...ok, desiredCapacity: 6 }, 'desiredCapacity'],
            [{ ...ok, desiredCapacity: 0 }, 'desiredCapacity'],
            [{ ...ok, minEntities: 6 }, 'minEntities'],
            [{ ...ok, maxEntities: 0 }, 'maxEntities']
        ];
        for (const [body, name] of cases) {
            await refusedWithNothingWritten(tenant, put(body), 400, 'ValidationError', name);
        }

        expect((await api('PUT', `${g.url}/override`, { ...ok, desiredCapacity: 5, expiresAt: inHours(24 * 30 - 1) })).statusCode).to.equal(204);
    });

    it('answers 404 for an unknown group and writes nothing', async () => {
        const url = `/${tenant}/groups/no-such-group/override`;
        await refusedWithNothingWritten(tenant, () => api('PUT', url, { desiredCapacity: 1, reason: 'x', expiresAt: inHours(1) }), 404, 'NoSuchScalingGroupError');
        await refusedWithNothingWritten(tenant, () => api('DELETE', url), 404, 'NoSuchScalingGroupError');
        expect((await api('GET', url)).statusCode).to.equal(404);
    });
});

describe('converge', () => {
    let server: Hapi.Server;
    let api: Caller;
    const tenant = freshTenant();

    before(async () => {
        server = await testServer({ validator: tableValidator({ tok: { projectId: tenant, user: 'alice' } }) });
        api = caller(server, 'tok');
    });

    after(() => server.stop());

    it('accepts with 204 and records the request', async () => {
        const made = await api('POST', `/${tenant}/groups`, validGroup());
        const url = `/${tenant}/groups/${String(field(made.result, 'group', 'id'))}`;
        const res = await api('POST', `${url}/converge`);
        expect(res.statusCode, res.payload).to.equal(204);
        const rows = field((await api('GET', `${url}/activity`)).result, 'activity') as Activity[];
        expect(rows[0]).to.include({ source: 'manual', kind: 'converge', outcome: 'accepted', reason: 'converge_requested', who: 'alice' });
    });

    it('refuses a paused group with 403 `paused`, writing only its activity row', async () => {
        const made = await api('POST', `/${tenant}/groups`, validGroup());
        const url = `/${tenant}/groups/${String(field(made.result, 'group', 'id'))}`;
        await api('POST', `${url}/pause`);
        const before = JSON.parse(await tenantSnapshot(tenant)) as { groups: unknown[]; policies: unknown[]; webhooks: unknown[]; activity: unknown[] };
        const res = await api('POST', `${url}/converge`);
        expect(res.statusCode).to.equal(403);
        const error = errorOf(res);
        expect(error.type).to.equal('GroupPausedError');
        expect(error.details.reason).to.equal('paused');
        const after = JSON.parse(await tenantSnapshot(tenant)) as typeof before;
        expect({ ...after, activity: [] }).to.equal({ ...before, activity: [] });
        expect(after.activity.length).to.equal(before.activity.length + 1);
        const rows = field((await api('GET', `${url}/activity`)).result, 'activity') as (Activity & { id: string })[];
        expect(rows[0]).to.include({ kind: 'converge', outcome: 'refused', reason: 'paused' });
        expect(error.details.activityId).to.equal(rows[0]?.id);

        await api('POST', `${url}/resume`);
        expect((await api('POST', `${url}/converge`)).statusCode).to.equal(204);
    });

    it('answers 404 for an unknown group, writing nothing', async () => {
        const before = await tenantSnapshot(tenant);
        const res = await api('POST', `/${tenant}/groups/nope/converge`);
        expect(res.statusCode).to.equal(404);
        expect(errorOf(res).type).to.equal('NoSuchScalingGroupError');
        expect(await tenantSnapshot(tenant)).to.equal(before);
    });
});
