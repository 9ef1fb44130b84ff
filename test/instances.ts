// The cluster's instances (contract §9) over the store of this run (PGlite or
// PostgreSQL): GET /admin/instances lists the live ones to an admin only,
// each with the group leases it holds; one not seen for the lease TTL is not
// listed and a beat prunes it; a stopped instance's row is gone. The
// heartbeat's timing is test/core/engine/instances.ts's (manual clock).
import * as Code from '@hapi/code';
import type Hapi from '@hapi/hapi';
import * as Lab from '@hapi/lab';
import { hostname } from 'node:os';
import { GroupId, InstanceId } from '../core/model/ids';
import type { Clock } from '../core/ports/clock';
import { settingsOf } from '../plugin/options';
import { testKnex } from './support/database';
import { tableValidator } from './support/identity';
import { errorOf } from './support/refusal';
import { caller, field, freshTenant, testServer, validGroup, type Caller } from './support/server';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const movableClock = (): Clock & { advance(ms: number): void } => {
    let offset = 0;
    return { now: () => new Date(Date.now() + offset), advance: (ms) => { offset += ms; } };
};

interface Listed {
    id: string;
    host: string;
    pid: number;
    startedAt: string;
    lastSeenAt: string;
    leases: number;
}

const validator = (tenant: string) => tableValidator({ tok: { projectId: tenant, user: 'alice' }, op: { projectId: 'admin', roles: ['admin'], user: 'operator' } });

describe('instances', () => {
    let server: Hapi.Server;
    let admin: Caller;
    const clock = movableClock();
    const tenant = freshTenant();
    // Far from any beat while a test runs: only the start's beat, and the ones a test writes.
    const cluster = { leaseTtlS: 30, heartbeatMs: 29_000 };

    before(async () => {
        server = await testServer({ validator: validator(tenant), clock, cluster });
        admin = caller(server, 'op');
    });

    after(() => server.stop());

    const api = () => server.plugins['nova-autoscale'];
    const self = () => api().engine.instances.self;
    const listed = async (): Promise<Listed[]> => {
        const res = await admin('GET', '/autoscale/admin/instances');
        expect(res.statusCode, res.payload).to.equal(200);
        return field(res.result, 'instances') as Listed[];
    };

    const mine = async (): Promise<Listed | undefined> => (await listed()).find((i) => i.id === self());

    it('lists this instance, live since it started, to an admin', async () => {
        const me = await mine();
        if (!me) {
            throw new Error(`instance ${self()} not listed`);
        }

        expect(me).to.include({ host: hostname(), pid: process.pid, leases: 0 });
        expect(new Date(me.startedAt).toISOString()).to.equal(me.startedAt);
        expect(Date.parse(me.lastSeenAt)).to.be.at.least(Date.parse(me.startedAt));
        expect(Object.keys(me)).to.equal(['id', 'host', 'pid', 'startedAt', 'lastSeenAt', 'leases']);
    });

    it('answers a tenant 403 and an anonymous caller 401, and a bad token 401', async () => {
        const tenantCall = await caller(server, 'tok')('GET', '/autoscale/admin/instances');
        expect(tenantCall.statusCode).to.equal(403);
        expect(errorOf(tenantCall).type).to.equal('ForbiddenError');
        expect((await caller(server, null)('GET', '/autoscale/admin/instances')).statusCode).to.equal(401);
        expect((await caller(server, 'nope')('GET', '/autoscale/admin/instances')).statusCode).to.equal(401);
    });

    it('counts the group leases it holds now: not another instance\'s, not a lapsed one, not one let go', async () => {
        const groups: string[] = [];
        for (let i = 0; i < 3; i++) {
            const res = await caller(server, 'tok')('POST', `/${tenant}/groups`, validGroup(`g${i}`));
            expect(res.statusCode, res.payload).to.equal(201);
            groups.push(String(field(res.result, 'group', 'id')));
        }

        const [a, b, c] = groups.map(GroupId);
        const leases = api().stores.convergence;
        const now = clock.now();
        expect(await leases.claimLease(a, `${self()}/1`, now, 60_000)).to.not.be.null();
        expect(await leases.claimLease(b, `${self()}/2`, new Date(now.getTime() - 60_000), 1_000)).to.not.be.null();  // lapsed already
        expect(await leases.claimLease(c, 'another-instance/1', now, 60_000)).to.not.be.null();
        expect((await mine())?.leases).to.equal(1);

        expect(await leases.claimLease(b, `${self()}/3`, now, 60_000)).to.not.be.null();   // taken again
        expect((await mine())?.leases).to.equal(2);
        await leases.releaseLease(a, `${self()}/1`);
        await leases.releaseLease(b, `${self()}/3`);
        expect((await mine())?.leases).to.equal(0);
    });

    it('hands the waiting groups of instances gone to the one that asks, in one statement: not those of live instances, nor its own', async () => {
        const groups: GroupId[] = [];
        for (let i = 0; i < 4; i++) {
            const res = await caller(server, 'tok')('POST', `/${tenant}/groups`, validGroup(`w${i}`));
            expect(res.statusCode, res.payload).to.equal(201);
            groups.push(GroupId(String(field(res.result, 'group', 'id'))));
        }

        const [gone, stale, live, own] = groups as [GroupId, GroupId, GroupId, GroupId];
        const knex = await testKnex();
        const now = clock.now();
        const other = InstanceId(`live-${tenant}`);
        const old = InstanceId(`stale-${tenant}`);
        await knex('instances').insert([
            { id: other, host: 'h', pid: 1, started_at: now, last_seen_at: now },
            { id: old, host: 'h', pid: 2, started_at: now, last_seen_at: new Date(now.getTime() - 31_000) }
        ]);
        const store = api().stores.convergence;
        try {
            await store.watchGroup(gone, InstanceId(`no-row-${tenant}`));
            await store.watchGroup(stale, old);
            await store.watchGroup(live, other);
            await store.watchGroup(own, self());
            const adopted = await store.adoptOrphanedWatches(self(), new Date(now.getTime() - 30_000), 10_000);
            expect(adopted).to.include([gone, stale]);
            expect(adopted).to.not.include([live, own]);
            const watchers = await knex('groups').whereIn('id', groups).orderBy('name').pluck('watcher');
            expect(watchers).to.equal([self(), self(), other, self()]);
            expect(await store.adoptOrphanedWatches(self(), new Date(now.getTime() - 30_000), 10_000)).to.not.include([gone, stale]);
            await store.watchGroup(own, null);
            expect(await knex('groups').where({ id: own }).first('watcher')).to.equal({ watcher: null });
        }
        finally {
            await knex('instances').whereIn('id', [other, old]).delete();
        }
    });

    it('lists no instance the lease TTL has passed without a beat, and a beat prunes its row', async () => {
        const knex = await testKnex();
        const seen = (agoS: number) => new Date(clock.now().getTime() - agoS * 1000);
        const [stale, fresh] = [InstanceId(`stale-${tenant}`), InstanceId(`fresh-${tenant}`)];
        const store = api().stores.instances;
        await store.beat({ id: stale, host: 'dead-node', pid: 1 }, seen(600), seen(31));
        await store.beat({ id: fresh, host: 'live-node', pid: 2 }, seen(600), seen(29));
        const ids = (await listed()).map((i) => i.id);
        expect(ids).to.include([fresh, self()]);
        expect(ids).to.not.include(stale);

        expect(await store.prune(seen(30))).to.be.at.least(1);     // as this instance's next beat does
        expect(await knex('instances').where({ id: stale }).first()).to.be.undefined();
        expect(await knex('instances').where({ id: fresh }).first()).to.exist();
        await store.leave(fresh);
        expect(await knex('instances').where({ id: fresh }).first()).to.be.undefined();
    });

    it('writes an instance\'s row again at its next beat, with the time it started, after it was pruned', async () => {
        const store = api().stores.instances;
        const id = InstanceId(`paused-${tenant}`);
        const started = new Date(clock.now().getTime() - 600_000);
        await store.beat({ id, host: 'slow-node', pid: 3 }, started, started);
        await store.prune(new Date(clock.now().getTime() - 30_000));
        const seenAt = clock.now();
        await store.beat({ id, host: 'slow-node', pid: 3 }, started, seenAt);
        const back = (await listed()).find((i) => i.id === id);
        expect(back).to.include({ startedAt: started.toISOString(), lastSeenAt: seenAt.toISOString() });
        await store.leave(id);
    });

    it('stops listing itself once the TTL passes with no beat (its clock moved on)', async () => {
        expect(await mine()).to.exist();
        clock.advance(31_000);
        try {
            expect(await mine()).to.be.undefined();
        }
        finally {
            clock.advance(-31_000);
        }
    });

    it('lists another instance on the same database while it runs, and not once it has stopped', async () => {
        const second = await testServer({ validator: validator(tenant), clock, cluster });
        const id = second.plugins['nova-autoscale'].engine.instances.self;
        expect(id).to.not.equal(self());
        expect((await listed()).map((i) => i.id)).to.include([self(), id]);
        await second.stop();
        expect((await listed()).map((i) => i.id)).to.not.include(id);
        expect(await (await testKnex())('instances').where({ id }).first()).to.be.undefined();
    });

    it('takes the lease TTL and the heartbeat as options: a third of the TTL by default, always below it', async () => {
        expect(settingsOf({}).cluster).to.equal({ leaseTtlS: 30, heartbeatMs: 10_000 });
        expect(settingsOf({ cluster: { leaseTtlS: 3 } }).cluster).to.equal({ leaseTtlS: 3, heartbeatMs: 1000 });
        expect(settingsOf({ cluster: { leaseTtlS: 3, heartbeatMs: 500 } }).cluster).to.equal({ leaseTtlS: 3, heartbeatMs: 500 });
        const bad: [Record<string, unknown>, RegExp][] = [
            [{ leaseTtlS: 0 }, /"cluster\.leaseTtlS" must be greater than or equal to 1/],
            [{ leaseTtlS: 1.5 }, /"cluster\.leaseTtlS" must be an integer/],
            [{ leaseTtlS: 86_401 }, /"cluster\.leaseTtlS" must be less than or equal to 86400/],
            [{ heartbeatMs: 0 }, /"cluster\.heartbeatMs" must be greater than or equal to 1/],
            [{ leaseTtlS: 3, heartbeatMs: 3000 }, /"cluster\.heartbeatMs" must be less than cluster\.leaseTtlS, in milliseconds/],
            [{ ttl: 3 }, /"cluster\.ttl" is not allowed/]
        ];
        for (const [options, message] of bad) {
            expect(() => settingsOf({ cluster: options }), JSON.stringify(options)).to.throw(Error, message);
        }
    });
});
