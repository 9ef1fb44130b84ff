// Alerts in process (contract §6): a CRITICAL runs the policy, the supervisor
// circles back while it stays CRITICAL (up to the cap, across restarts), OK
// stops it, event ids are taken once, stale transitions are ignored. Time is
// a movable clock; the loop is driven by runOnce, never by sleeping.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import Hapi from '@hapi/hapi';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { DomainError } from '../core/model/errors';
import { GroupId, PolicyId, TenantId } from '../core/model/ids';
import type { Clock } from '../core/ports/clock';
import { demoInstructions, startDemoHost } from '../examples/demo-host';
import { dropLog } from './support/log-sink';
import { monitoringApi } from '../examples/monitoring-api';
import { plugin, type AlertTransitionInput, type NovaAutoscaleApi } from '../plugin';
import { tenantSnapshot, testDatabase, testDatabaseKind, testKnex } from './support/database';
import { tableValidator } from './support/identity';
import { caller, field, freshTenant, testServer, validGroup, type Caller } from './support/server';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const movableClock = (): Clock & { advance(ms: number): void } => {
    let offset = 0;
    return { now: () => new Date(Date.now() + offset), advance: (ms) => { offset += ms; } };
};

// The loop off (intervalMs 0): each test drives it with runOnce.
const alertServer = (tenant: string, clock: Clock, extra: Record<string, unknown> = {}) => testServer({
    validator: tableValidator({ tok: { projectId: tenant, user: 'alice' } }),
    clock,
    supervisor: { debounceMs: 0 },
    alerts: { intervalMs: 0, pruneIntervalMs: 0 },
    ...extra
});

const apiOf = (server: Hapi.Server): NovaAutoscaleApi => server.plugins['nova-autoscale'];

// A group with cooldown 60 s and a +1 policy without its own cooldown.
const groupFor = async (api: Caller, tenant: string) => {
    const res = await api('POST', `/${tenant}/groups`, {
        ...validGroup(),
        groupConfiguration: { name: 'g', cooldown: 60, minEntities: 0, maxEntities: 10 },
        scalingPolicies: [{ name: 'up', cooldown: 0, type: 'webhook', change: 1 }]
    });
    expect(res.statusCode, JSON.stringify(res.result)).to.equal(201);
    const groupId = String(field(res.result, 'group', 'id'));
    const policyId = String(field(res.result, 'group', 'scalingPolicies', 0, 'id'));
    return { groupId, policyId, action: { type: 'autoscale' as const, groupId, policyId } };
};

interface Row { source: string; kind: string; reason: string; outcome: string; who: string; desired_after: number }
const activityOf = async (groupId: string): Promise<Row[]> => (await testKnex())('activity').where({ group_id: groupId }).orderBy('id');
const episodeOf = async (tenantId: string, ruleId: string): Promise<{ state: string; attempts: number } | undefined> =>
    (await testKnex())('alert_episodes').where({ tenant_id: tenantId, rule_id: ruleId, entity_id: '' }).first('state', 'attempts');

const transitionOf = (tenantId: string, ruleId: string, clock: Clock, to: AlertTransitionInput['to'], actions: AlertTransitionInput['actions'], from: AlertTransitionInput['from'] = 'OK'): AlertTransitionInput =>
    ({ tenantId, ruleId, eventId: randomUUID(), at: clock.now(), from, to, actions });

const cooldown = 61_000;

describe(`alert episodes (${testDatabaseKind()})`, () => {
    it('CRITICAL runs the policy; held past 3 cooldowns it makes exactly 3 attempts, the later ones circle_back', async () => {
        const tenant = freshTenant(), clock = movableClock();
        const server = await alertServer(tenant, clock);
        try {
            const api = apiOf(server);
            const g = await groupFor(caller(server, 'tok'), tenant);
            const outcome = await api.alertTransition(transitionOf(tenant, 'cpu', clock, 'CRITICAL', [g.action]));
            expect(outcome.status).to.equal('taken');
            expect(outcome.triggers.map((t) => [t.outcome, t.reason, t.desiredAfter])).to.equal([['accepted', 'policy', 1]]);

            await api.runOnce();                 // not due yet: nothing
            expect(await activityOf(g.groupId)).to.have.length(1);
            for (let i = 0; i < 3; i++) {
                clock.advance(cooldown);
                await api.runOnce();
            }

            const rows = await activityOf(g.groupId);
            expect(rows.map((r) => [r.source, r.kind, r.reason, r.outcome, r.who, r.desired_after])).to.equal([
                ['alert', 'execute', 'policy', 'accepted', 'alert:cpu', 1],
                ['alert', 'circle_back', 'circle_back', 'accepted', 'alert:cpu', 2],
                ['alert', 'circle_back', 'circle_back', 'accepted', 'alert:cpu', 3]
            ]);
            expect(await episodeOf(tenant, 'cpu')).to.equal({ state: 'CRITICAL', attempts: 3 });
        }
        finally {
            await server.stop();
        }
    });

    it('counts a refused attempt too, and waits out the cooldown between attempts', async () => {
        const tenant = freshTenant(), clock = movableClock();
        const server = await alertServer(tenant, clock);
        try {
            const api = apiOf(server);
            const g = await groupFor(caller(server, 'tok'), tenant);
            await caller(server, 'tok')('POST', `/${tenant}/groups/${g.groupId}/pause`);
            await api.alertTransition(transitionOf(tenant, 'cpu', clock, 'CRITICAL', [g.action]));
            clock.advance(30_000);               // half the group's cooldown
            await api.runOnce();
            expect((await episodeOf(tenant, 'cpu'))?.attempts).to.equal(1);
            clock.advance(31_000);
            await api.runOnce();
            const rows = await activityOf(g.groupId);
            expect(rows.filter((r) => r.source === 'alert').map((r) => [r.kind, r.outcome, r.reason])).to.equal([
                ['execute', 'refused', 'paused'],
                ['circle_back', 'refused', 'paused']
            ]);
            expect((await episodeOf(tenant, 'cpu'))?.attempts).to.equal(2);
        }
        finally {
            await server.stop();
        }
    });

    it('OK stops the circle-back; a new CRITICAL after OK is a new episode counting from 1', async () => {
        const tenant = freshTenant(), clock = movableClock();
        const server = await alertServer(tenant, clock);
        try {
            const api = apiOf(server);
            const g = await groupFor(caller(server, 'tok'), tenant);
            await api.alertTransition(transitionOf(tenant, 'cpu', clock, 'CRITICAL', [g.action]));
            clock.advance(cooldown);
            await api.runOnce();
            expect((await episodeOf(tenant, 'cpu'))?.attempts).to.equal(2);

            const ok = await api.alertTransition(transitionOf(tenant, 'cpu', clock, 'OK', [g.action], 'CRITICAL'));
            expect(ok).to.equal({ status: 'taken', triggers: [], skipped: [] });
            clock.advance(cooldown);
            await api.runOnce();
            expect(await activityOf(g.groupId)).to.have.length(2);

            const again = await api.alertTransition(transitionOf(tenant, 'cpu', clock, 'CRITICAL', [g.action]));
            expect(again.triggers.map((t) => t.reason)).to.equal(['policy']);
            expect(await episodeOf(tenant, 'cpu')).to.equal({ state: 'CRITICAL', attempts: 1 });
            for (let i = 0; i < 3; i++) {
                clock.advance(cooldown);
                await api.runOnce();
            }

            expect((await activityOf(g.groupId)).map((r) => r.reason)).to.equal(['policy', 'circle_back', 'policy', 'circle_back', 'circle_back']);
        }
        finally {
            await server.stop();
        }
    });

    it('a repeated CRITICAL neither triggers nor resets the count', async () => {
        const tenant = freshTenant(), clock = movableClock();
        const server = await alertServer(tenant, clock);
        try {
            const api = apiOf(server);
            const g = await groupFor(caller(server, 'tok'), tenant);
            await api.alertTransition(transitionOf(tenant, 'cpu', clock, 'CRITICAL', [g.action]));
            clock.advance(cooldown);
            await api.runOnce();
            clock.advance(1000);
            const repeat = await api.alertTransition(transitionOf(tenant, 'cpu', clock, 'CRITICAL', [g.action], 'CRITICAL'));
            expect(repeat).to.equal({ status: 'taken', triggers: [], skipped: [] });
            expect(await episodeOf(tenant, 'cpu')).to.equal({ state: 'CRITICAL', attempts: 2 });
            expect(await activityOf(g.groupId)).to.have.length(2);
        }
        finally {
            await server.stop();
        }
    });

    it('a replayed event id changes nothing', async () => {
        const tenant = freshTenant(), clock = movableClock();
        const server = await alertServer(tenant, clock);
        try {
            const api = apiOf(server);
            const g = await groupFor(caller(server, 'tok'), tenant);
            const first = transitionOf(tenant, 'cpu', clock, 'CRITICAL', [g.action]);
            expect((await api.alertTransition(first)).status).to.equal('taken');
            const snapshot = await tenantSnapshot(tenant);
            const episode = await episodeOf(tenant, 'cpu');

            clock.advance(cooldown);             // a replay later on must not count as an attempt either
            expect(await api.alertTransition(first)).to.equal({ status: 'replay', triggers: [], skipped: [] });
            expect(await api.alertTransition({ ...first, to: 'OK', at: clock.now() })).to.equal({ status: 'replay', triggers: [], skipped: [] });
            expect(await tenantSnapshot(tenant)).to.equal(snapshot);
            expect(await episodeOf(tenant, 'cpu')).to.equal(episode);
        }
        finally {
            await server.stop();
        }
    });

    it('an event id is its tenant\'s and its rule\'s: the same id from another tenant or rule is a transition of its own', async () => {
        const tenantA = freshTenant(), tenantB = freshTenant(), clock = movableClock();
        const server = await testServer({
            validator: tableValidator({ a: { projectId: tenantA }, b: { projectId: tenantB } }),
            clock, supervisor: { debounceMs: 0 }, alerts: { intervalMs: 0, pruneIntervalMs: 0 }
        });
        try {
            const api = apiOf(server);
            const ga = await groupFor(caller(server, 'a'), tenantA);
            const gb = await groupFor(caller(server, 'b'), tenantB);
            const shared = { eventId: 'prom-evt-42', at: clock.now(), from: 'OK' as const, to: 'CRITICAL' as const };
            expect((await api.alertTransition({ ...shared, tenantId: tenantA, ruleId: 'cpu', actions: [ga.action] })).status).to.equal('taken');
            const b = await api.alertTransition({ ...shared, tenantId: tenantB, ruleId: 'cpu', actions: [gb.action] });
            expect([b.status, b.triggers.map((r) => r.desiredAfter)]).to.equal(['taken', [1]]);
            // Another rule of the same tenant, the same id and the same policy: its own
            // episode and its own trigger (decided afresh past the cooldown, not a replay of cpu's).
            clock.advance(cooldown);
            const mem = await api.alertTransition({ ...shared, tenantId: tenantA, ruleId: 'mem', actions: [ga.action] });
            expect([mem.status, mem.triggers.map((r) => [r.replay, r.desiredBefore, r.desiredAfter])]).to.equal(['taken', [[false, 1, 2]]]);
            expect(await episodeOf(tenantA, 'mem')).to.include({ state: 'CRITICAL' });
            expect((await activityOf(ga.groupId)).map((r) => [r.who, r.desired_after])).to.equal([['alert:cpu', 1], ['alert:mem', 2]]);
            // The same tenant, rule and id: a replay, as before.
            expect((await api.alertTransition({ ...shared, tenantId: tenantB, ruleId: 'cpu', actions: [gb.action] })).status).to.equal('replay');
        }
        finally {
            await server.stop();
        }
    });

    it('a trigger\'s event id is its group\'s: the same id in another tenant\'s group is decided there, a repeat in its own is a replay', async () => {
        const tenantA = freshTenant(), tenantB = freshTenant(), clock = movableClock();
        const server = await testServer({
            validator: tableValidator({ a: { projectId: tenantA }, b: { projectId: tenantB } }),
            clock, supervisor: { debounceMs: 0 }, alerts: { intervalMs: 0, pruneIntervalMs: 0 }
        });
        try {
            const { supervisor } = apiOf(server).engine;
            const ga = await groupFor(caller(server, 'a'), tenantA);
            const gb = await groupFor(caller(server, 'b'), tenantB);
            const trigger = (tenant: string, g: { groupId: string; policyId: string }) => supervisor.trigger({
                tenantId: TenantId(tenant), groupId: GroupId(g.groupId), policyId: PolicyId(g.policyId),
                source: 'alert', eventId: 'evt-7', forced: false, circleBack: false, who: 'alert:cpu', note: null
            });
            const a = await trigger(tenantA, ga);
            const b = await trigger(tenantB, gb);
            expect([a.replay, a.desiredAfter, b.replay, b.desiredAfter]).to.equal([false, 1, false, 1]);
            expect(await trigger(tenantB, gb)).to.equal({ ...b, replay: true });
            expect((await activityOf(gb.groupId)).map((r) => r.desired_after)).to.equal([1]);
        }
        finally {
            await server.stop();
        }
    });

    it('a taken event id is forgotten once past its retention, not before', async () => {
        const tenant = freshTenant(), clock = movableClock();
        const server = await alertServer(tenant, clock, { alerts: { intervalMs: 0, pruneIntervalMs: 0, eventRetentionS: 3600 } });
        try {
            const api = apiOf(server);
            const g = await groupFor(caller(server, 'tok'), tenant);
            const first = transitionOf(tenant, 'cpu', clock, 'CRITICAL', [g.action]);
            expect((await api.alertTransition(first)).status).to.equal('taken');
            expect((await api.alertTransition(transitionOf(tenant, 'cpu', clock, 'OK', [g.action], 'CRITICAL'))).status).to.equal('taken');
            const taken = async () => (await (await testKnex())('alert_events').where({ tenant_id: tenant, event_id: first.eventId })).length;
            clock.advance(3500_000);
            await api.pruneOnce();
            expect(await taken()).to.equal(1);
            expect((await api.alertTransition(first)).status).to.equal('replay');

            clock.advance(200_000);
            await api.pruneOnce();
            expect(await taken()).to.equal(0);
            // Taken again, it scales again: the trigger of a week ago is no replay either.
            const again = await api.alertTransition({ ...first, at: clock.now() });
            expect([again.status, again.triggers.map((r) => [r.replay, r.desiredAfter])]).to.equal(['taken', [[false, 2]]]);
        }
        finally {
            await server.stop();
        }
    });

    it('a transition older than the last one seen is ignored and logged', async () => {
        const tenant = freshTenant(), clock = movableClock();
        const server = await alertServer(tenant, clock);
        const logged: string[][] = [];
        server.events.on('log', (event) => logged.push(event.tags));
        try {
            const api = apiOf(server);
            const g = await groupFor(caller(server, 'tok'), tenant);
            const critical = transitionOf(tenant, 'cpu', clock, 'CRITICAL', [g.action]);
            await api.alertTransition(critical);
            const snapshot = await tenantSnapshot(tenant);
            const late = { ...transitionOf(tenant, 'cpu', clock, 'OK', [g.action], 'CRITICAL'), at: new Date(new Date(critical.at).getTime() - 5000).toISOString() };
            expect(await api.alertTransition(late)).to.equal({ status: 'stale', triggers: [], skipped: [] });
            expect(await episodeOf(tenant, 'cpu')).to.equal({ state: 'CRITICAL', attempts: 1 });
            expect(await tenantSnapshot(tenant)).to.equal(snapshot);
            expect(logged.some((tags) => tags.includes('nova-autoscale') && tags.includes('supervisor') && tags.includes('alert'))).to.be.true();

            // Still CRITICAL: the circle-back goes on.
            clock.advance(cooldown);
            await api.runOnce();
            expect((await episodeOf(tenant, 'cpu'))?.attempts).to.equal(2);
        }
        finally {
            await server.stop();
        }
    });

    it('a restart in the middle keeps the episode\'s count', async () => {
        const tenant = freshTenant(), clock = movableClock();
        const first = await alertServer(tenant, clock);
        const g = await groupFor(caller(first, 'tok'), tenant);
        await apiOf(first).alertTransition(transitionOf(tenant, 'cpu', clock, 'CRITICAL', [g.action]));
        clock.advance(cooldown);
        await apiOf(first).runOnce();
        await first.stop();

        const second = await alertServer(tenant, clock);
        try {
            for (let i = 0; i < 3; i++) {
                clock.advance(cooldown);
                await apiOf(second).runOnce();
            }

            expect(await episodeOf(tenant, 'cpu')).to.equal({ state: 'CRITICAL', attempts: 3 });
            expect((await activityOf(g.groupId)).map((r) => r.reason)).to.equal(['policy', 'circle_back', 'circle_back']);
        }
        finally {
            await second.stop();
        }
    });

    it('two plugin instances never fire the same attempt', async () => {
        const tenant = freshTenant(), clock = movableClock();
        const a = await alertServer(tenant, clock);
        const b = await alertServer(tenant, clock);
        try {
            const g = await groupFor(caller(a, 'tok'), tenant);
            await apiOf(a).alertTransition(transitionOf(tenant, 'cpu', clock, 'CRITICAL', [g.action]));
            for (let i = 0; i < 3; i++) {
                clock.advance(cooldown);
                await Promise.all([apiOf(a).runOnce(), apiOf(b).runOnce(), apiOf(a).runOnce(), apiOf(b).runOnce()]);
            }

            expect((await activityOf(g.groupId)).map((r) => r.reason)).to.equal(['policy', 'circle_back', 'circle_back']);
        }
        finally {
            await a.stop();
            await b.stop();
        }
    });

    it('the same transition sent to three instances at once makes one decision', async () => {
        const tenant = freshTenant(), clock = movableClock();
        const servers = [await alertServer(tenant, clock), await alertServer(tenant, clock), await alertServer(tenant, clock)];
        try {
            const g = await groupFor(caller(servers[0]!, 'tok'), tenant);
            const transition = transitionOf(tenant, 'cpu', clock, 'CRITICAL', [g.action]);
            const outcomes = await Promise.all(servers.map((s) => apiOf(s).alertTransition(transition)));
            expect(outcomes.map((o) => o.status).sort()).to.equal(['replay', 'replay', 'taken']);
            expect((await activityOf(g.groupId)).map((r) => [r.kind, r.outcome, r.desired_after])).to.equal([['execute', 'accepted', 1]]);
            expect(await episodeOf(tenant, 'cpu')).to.equal({ state: 'CRITICAL', attempts: 1 });
        }
        finally {
            await Promise.all(servers.map((s) => s.stop()));
        }
    });

    it('an action whose group or policy is gone does not fail the transition', async () => {
        const tenant = freshTenant(), clock = movableClock();
        const server = await alertServer(tenant, clock);
        try {
            const api = apiOf(server);
            const g = await groupFor(caller(server, 'tok'), tenant);
            const gone = { type: 'autoscale' as const, groupId: randomUUID(), policyId: g.policyId };
            const outcome = await api.alertTransition(transitionOf(tenant, 'cpu', clock, 'CRITICAL', [gone, g.action]));
            expect(outcome.triggers.map((t) => t.outcome)).to.equal(['accepted']);
            expect(outcome.skipped.map((s) => [s.groupId, s.type])).to.equal([[gone.groupId, 'NoSuchScalingGroupError']]);
            expect((await episodeOf(tenant, 'cpu'))?.attempts).to.equal(1);
        }
        finally {
            await server.stop();
        }
    });

    it('the background loop circles back on its own and stops with the server', async () => {
        const tenant = freshTenant(), clock = movableClock();
        const server = await alertServer(tenant, clock, { alerts: { intervalMs: 20, minDelayMs: 1, pruneIntervalMs: 20 } });
        let stopped = false;
        try {
            const g = await groupFor(caller(server, 'tok'), tenant);
            await caller(server, 'tok')('PUT', `/${tenant}/groups/${g.groupId}/config`, { name: 'g', cooldown: 0, minEntities: 0, maxEntities: 10 });
            await apiOf(server).alertTransition(transitionOf(tenant, 'cpu', clock, 'CRITICAL', [g.action]));
            const deadline = Date.now() + 5000;
            while ((await episodeOf(tenant, 'cpu'))?.attempts !== 3 && Date.now() < deadline) {
                await new Promise((resolve) => setTimeout(resolve, 20));
            }

            await server.stop();
            stopped = true;
            expect((await activityOf(g.groupId)).filter((r) => r.source === 'alert').map((r) => r.reason)).to.equal(['policy', 'circle_back', 'circle_back']);
        }
        finally {
            if (!stopped) {
                await server.stop();
            }
        }
    });
});

describe('alert input', () => {
    let server: Hapi.Server;
    let api: NovaAutoscaleApi;
    let g: Awaited<ReturnType<typeof groupFor>>;
    const tenant = freshTenant(), other = freshTenant(), clock = movableClock();

    before(async () => {
        server = await testServer({
            validator: tableValidator({ tok: { projectId: tenant }, other: { projectId: other } }),
            clock, alerts: { intervalMs: 0, pruneIntervalMs: 0 }
        });
        api = apiOf(server);
        g = await groupFor(caller(server, 'tok'), tenant);
    });

    after(() => server.stop());

    const refusal = async (promise: Promise<unknown>): Promise<{ kind: string; field: unknown; message: string }> => {
        const err: unknown = await promise.then(() => null, (e: unknown) => e);
        expect(err).to.be.an.instanceof(DomainError);
        const domain = err as DomainError;
        return { kind: domain.kind, field: domain.details.field, message: domain.message };
    };

    it('refuses malformed transitions with a validation error naming the field', async () => {
        const valid = transitionOf(tenant, 'cpu', clock, 'OK', [g.action]);
        const cases: [unknown, string][] = [
            [{ ...valid, eventId: undefined }, 'eventId'],
            [{ ...valid, at: 'yesterday' }, 'at'],
            [{ ...valid, to: 'BAD' }, 'to'],
            [{ ...valid, from: 3 }, 'from'],
            [{ ...valid, tenantId: '' }, 'tenantId'],
            [{ ...valid, actions: [{ type: 'autoscale', groupId: g.groupId }] }, 'actions.0.policyId'],
            [{ ...valid, actions: [{ ...g.action, type: 'email' }] }, 'actions.0.type'],
            [{ ...valid, actions: 'all' }, 'actions'],
            [{ ...valid, extra: 1 }, 'extra'],
            [{ ...valid, requestId: 7 }, 'requestId'],
            [{ ...valid, requestId: 'r'.repeat(257) }, 'requestId'],
            [null, 'transition']
        ];
        for (const [input, name] of cases) {
            const refused = await refusal(api.alertTransition(input as AlertTransitionInput));
            expect(refused.kind, name).to.equal('bad_request');
            expect(refused.field, name).to.equal(name);
        }
    });

    it('takes `at` as an ISO string as well as a Date', async () => {
        const outcome = await api.alertTransition({ ...transitionOf(tenant, 'iso', clock, 'OK', [g.action]), at: clock.now().toISOString() });
        expect(outcome.status).to.equal('taken');
        expect(await episodeOf(tenant, 'iso')).to.equal({ state: 'OK', attempts: 0 });
    });

    it('validateAction accepts a real action and refuses unknown or foreign ones', async () => {
        expect(await api.validateAction(tenant, g.action)).to.equal(g.action);
        expect(await refusal(api.validateAction(tenant, { ...g.action, policyId: randomUUID() }))).to.include({ kind: 'bad_request', field: 'policyId' });
        expect(await refusal(api.validateAction(tenant, { ...g.action, groupId: randomUUID() }))).to.include({ kind: 'bad_request', field: 'groupId' });
        expect(await refusal(api.validateAction(other, g.action))).to.include({ kind: 'bad_request', field: 'groupId' });
        expect(await refusal(api.validateAction(tenant, { groupId: g.groupId, policyId: g.policyId }))).to.include({ kind: 'bad_request', field: 'type' });
        expect(api.actionSchema.validate(g.action).error).to.not.exist();
    });
});

describe('the demo alert API', () => {
    const tenant = freshTenant(), other = freshTenant();

    const host = async () => {
        const db = await testDatabase();
        const server = Hapi.server();
        await server.register({
            plugin,
            options: {
                schedules: { intervalMs: 0 },
                database: { knex: db.knex }, supervisor: { debounceMs: 0 }, alerts: { intervalMs: 0, pruneIntervalMs: 0 },
                openstack: { tokenValidator: tableValidator({ tok: { projectId: tenant }, other: { projectId: other } }) }
            }
        }, { routes: { prefix: '/autoscale' } });
        await server.register(monitoringApi);
        await server.initialize();
        return server;
    };

    it('keeps rules, refuses bad actions by name, and runs transitions', async () => {
        const server = await host();
        try {
            const g = await groupFor(caller(server, 'tok'), tenant);
            const call = (method: string, url: string, payload?: object, token: string | null = 'tok') =>
                server.inject({ method, url: `/monitoring/v1/${tenant}${url}`, headers: token ? { 'x-auth-token': token } : {}, ...(payload ? { payload } : {}) });

            const badPolicy = await call('PUT', '/alert-rules/cpu', { name: 'cpu', actions: [{ ...g.action, policyId: randomUUID() }] });
            expect(badPolicy.statusCode).to.equal(400);
            expect(field(badPolicy.result, 'error', 'details', 'field')).to.equal('actions.0.policyId');
            const badShape = await call('PUT', '/alert-rules/cpu', { name: 'cpu', actions: [g.action, { type: 'autoscale', policyId: g.policyId }] });
            expect(badShape.statusCode).to.equal(400);
            expect(field(badShape.result, 'error', 'details', 'field')).to.equal('actions.1.groupId');
            expect((await call('PUT', '/alert-rules/cpu', { name: 'cpu', actions: [g.action] }, null)).statusCode).to.equal(401);
            expect((await call('PUT', '/alert-rules/cpu', { name: 'cpu', actions: [g.action] }, 'other')).statusCode).to.equal(403);
            expect((await call('POST', '/alert-rules/cpu/transitions', { state: 'CRITICAL' })).statusCode).to.equal(404);

            const put = await call('PUT', '/alert-rules/cpu', { name: 'cpu', actions: [g.action] });
            expect(put.statusCode).to.equal(201);
            const critical = await call('POST', '/alert-rules/cpu/transitions', { state: 'CRITICAL', eventId: 'e-1' });
            expect(critical.statusCode).to.equal(202);
            expect(field(critical.result, 'outcome', 'status')).to.equal('taken');
            expect(field(critical.result, 'outcome', 'triggers', 0, 'outcome')).to.equal('accepted');
            expect(field(await call('POST', '/alert-rules/cpu/transitions', { state: 'CRITICAL', eventId: 'e-1' }).then((r) => r.result), 'outcome', 'status')).to.equal('replay');
            expect((await call('POST', '/alert-rules/cpu/transitions', { state: 'SEVERE' })).statusCode).to.equal(400);

            const ok = await call('POST', '/alert-rules/cpu/transitions', { state: 'OK' });
            expect(field(ok.result, 'outcome', 'status')).to.equal('taken');
            expect(await episodeOf(tenant, 'cpu')).to.equal({ state: 'OK', attempts: 1 });
            expect(field((await caller(server, 'tok')('GET', `/${tenant}/groups/${g.groupId}/state`)).result, 'group', 'desiredCapacity')).to.equal(1);
        }
        finally {
            await server.stop();
        }
    });

    it('is mounted by the demo host, behind the same token', async () => {
        const dataDir = mkdtempSync(join(tmpdir(), 'demo-alerts-'));
        const env: NodeJS.ProcessEnv = { PORT: '0', AUTOSCALE_DATA_DIR: dataDir, ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}) };
        const demo = await startDemoHost(env, dropLog);
        try {
            const token = /token for tenant (\S+): (\S+)/.exec(demoInstructions(demo).join('\n'));
            expect(token).to.exist();
            const [, demoTenant = '', demoToken = ''] = token ?? [];
            const send = async (method: 'PUT' | 'POST', path: string, body: object) => {
                const res = await request(`${demo.server.info.uri}${path}`, { method, headers: { 'x-auth-token': demoToken, 'content-type': 'application/json' }, body: JSON.stringify(body) });
                return { status: res.statusCode, body: await res.body.json() };
            };

            const created = await send('POST', `/autoscale/v1.0/${demoTenant}/groups`, {
                ...validGroup(), groupConfiguration: { name: 'alerted', cooldown: 0, minEntities: 0, maxEntities: 3 },
                scalingPolicies: [{ name: 'up', cooldown: 0, type: 'webhook', change: 1 }]
            });
            expect(created.status, JSON.stringify(created.body)).to.equal(201);
            const groupId = String(field(created.body, 'group', 'id'));
            const policyId = String(field(created.body, 'group', 'scalingPolicies', 0, 'id'));
            const rule = await send('PUT', `/monitoring/v1/${demoTenant}/alert-rules/cpu`, { name: 'cpu high', actions: [{ type: 'autoscale', groupId, policyId }] });
            expect(rule.status, JSON.stringify(rule.body)).to.equal(201);
            const fired = await send('POST', `/monitoring/v1/${demoTenant}/alert-rules/cpu/transitions`, { state: 'CRITICAL' });
            expect(fired.status).to.equal(202);
            expect(field(fired.body, 'outcome', 'triggers', 0, 'desiredAfter')).to.equal(1);
        }
        finally {
            await demo.server.stop();
            rmSync(dataDir, { recursive: true, force: true });
        }
    });
});
