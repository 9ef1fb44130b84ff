// The converger's loop (core/engine/converger-loop.ts): kicked runs chained
// per group, a waiting group looked at again on the scheduler's timers, the
// self-heal sweep a page at a time; convergeGroup runs for real against an
// in-memory store and Nova.
import { WHOLE, type SweepShare } from '../../../core/decide/sweep-share';
import { DomainError } from '../../../core/model/errors';
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type { ConvergeResult } from '../../../core/converge/run';
import type { Plan } from '../../../core/converge/plan';
import { convergerLoop, countsCached, groupChains, recheckDelay, unsettled, type ConvergerLoop, type ConvergerSettings } from '../../../core/engine/converger-loop';
import { GroupId, InstanceId } from '../../../core/model/ids';
import { ComputeError } from '../../../core/model/server';
import {
    fakeCompute, fakeConvergence, gate, logRecorder, manualClock, manualScheduler, settle,
    type FakeCompute, type FakeConvergence, type LogEntry, type ManualClock, type ManualScheduler
} from './fakes';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const g1 = GroupId('g1');
const SWEEP_MS = 300_000;
const TAKEOVER_MS = 20_000;   // a sixth of the lease TTL below

const baseSettings: ConvergerSettings = {
    convergeS: SWEEP_MS / 1000, buildTimeoutS: 600, orphanGraceS: 3600, leaseTtlS: 120, maxPasses: 3, recheckMs: 100,
    concurrency: 4, parallelGroups: 2, sweepBatch: 2, backoffBaseMs: 0, backoffCapMs: 0, stormGuard: false
};

interface World {
    readonly clock: ManualClock;
    readonly scheduler: ManualScheduler;
    readonly logs: LogEntry[];
    readonly conv: FakeConvergence;
    readonly nova: FakeCompute;
    readonly closed: { count: number };
    readonly loop: ConvergerLoop;
}

const world = (options: { settings?: Partial<ConvergerSettings>; compute?: boolean; sweepShare?: () => Promise<SweepShare> } = {}): World => {
    const clock = manualClock();
    const scheduler = manualScheduler();
    const { log, entries } = logRecorder();
    const conv = fakeConvergence(clock);
    const nova = fakeCompute(clock);
    const closed = { count: 0 };
    const compute = options.compute ?? true;
    const loop = convergerLoop({
        store: conv.store, enabled: compute, clock, scheduler, log, instance: InstanceId('i1'), region: 'r1',
        openCompute: () => (compute ? { compute: nova.compute, members: null, close: () => closed.count++ } : null),
        settings: { ...baseSettings, ...options.settings },
        sweepShare: options.sweepShare ?? (() => Promise.resolve(WHOLE))
    });
    return { clock, scheduler, logs: entries, conv, nova, closed, loop };
};

// A group of one server still building: its runs wait.
const building = (w: World, id: string, tenantId = 't1'): void => {
    const intentId = `intent-${id}`;
    const serverId = `srv-${id}`;
    w.conv.addGroup(id, { tenantId, desired: 1, ledger: [{ intentId, serverId, state: 'building', createdAt: w.clock.now() }] });
    w.nova.servers.set(serverId, {
        id: serverId, projectId: tenantId, name: `web-${id}`, status: 'BUILD', taskState: null, addresses: [],
        metadata: { 'autoscale:group_id': id, 'autoscale:intent_id': intentId }, created: w.clock.now()
    });
};

// The recheck timers (the sweep's and the lease takeover's aside).
const rechecks = (w: World): number[] => w.scheduler.pending().filter((t) => t.ms !== SWEEP_MS && t.ms !== TAKEOVER_MS).map((t) => t.ms);

const result = (outcome: ConvergeResult['outcome'], change: Partial<ConvergeResult> = {}): ConvergeResult =>
    ({ groupId: g1, outcome, passes: 1, plan: null, retryAt: null, ...change });

const holdPlan = (reason: 'listing_unknown' | 'paused' | 'kill_switch'): Plan => ({
    outcome: 'hold', create: 0, deletes: [], leaves: [], joins: [], adopts: [], retires: [], orphans: [], counts: null, members: [],
    holds: [{ reason, message: reason, withheld: { create: 0, deletes: 0 } }]
});

describe('converger loop helpers', () => {

    it('unsettled: what is left waiting, failing or busy, and a hold on an unknown listing', () => {
        const cases: [ConvergeResult, boolean][] = [
            [result('wait'), true],
            [result('failed'), true],
            [result('busy'), true],
            [result('act'), true],
            [result('done'), false],
            [result('gone'), false],
            [result('deleted'), false],
            [result('hold', { plan: holdPlan('listing_unknown') }), true],
            [result('hold', { plan: holdPlan('paused') }), false],
            [result('hold', { plan: holdPlan('kill_switch') }), false],
            [result('hold'), false]                  // no plan: nothing says Nova failed
        ];
        for (const [r, expected] of cases) {
            expect(unsettled(r), `${r.outcome} ${r.plan?.holds[0]?.reason}`).to.equal(expected);
        }
    });

    it('recheckDelay: doubling from recheckMs up to a minute, or until the time the group was told', () => {
        const now = new Date('2030-01-01T00:00:00Z');
        const at = (ms: number) => result('wait', { retryAt: new Date(now.getTime() + ms) });
        expect([0, 1, 2, 3].map((n) => recheckDelay(result('failed'), n, 2000, now))).to.equal([2000, 4000, 8000, 16_000]);
        expect(recheckDelay(result('act'), 5, 2000, now)).to.equal(60_000);
        expect(recheckDelay(result('busy'), 40, 2000, now)).to.equal(60_000);
        expect(recheckDelay(at(5000), 7, 2000, now)).to.equal(5000);        // the count of waits does not matter
        expect(recheckDelay(at(3), 0, 2000, now)).to.equal(10);             // never sooner than 10 ms
        expect(recheckDelay(at(-5000), 0, 2000, now)).to.equal(10);         // nor in the past
    });

    it('recheckDelay: a group waiting on Nova comes back after a tenth of its wait so far, at least recheckMs / 8, at most a minute', () => {
        const now = new Date('2030-01-01T00:00:00Z');
        const waitingFor = (ms: number) => new Date(now.getTime() - ms);
        expect(recheckDelay(result('wait'), 0, 2000, now)).to.equal(250);                      // the wait begins now
        expect(recheckDelay(result('wait'), 7, 2000, now, waitingFor(2000))).to.equal(250);    // the count of waits does not matter
        expect(recheckDelay(result('wait'), 9, 2000, now, waitingFor(5000))).to.equal(500);    // a 5 s build is seen by 5.5 s
        expect(recheckDelay(result('wait'), 9, 2000, now, waitingFor(30_000))).to.equal(3000);
        expect(recheckDelay(result('wait'), 9, 2000, now, waitingFor(3_600_000))).to.equal(60_000);
        expect(recheckDelay(result('wait'), 0, 8000, now, waitingFor(5000))).to.equal(1000);   // recheckMs sets the least step
        expect(recheckDelay(result('wait'), 0, 2000, now, waitingFor(-5000))).to.equal(250);   // a clock gone back: the least step
    });

    describe('countsCached', () => {

        it('counts once a second, and again when the clock went back', async () => {
            const clock = manualClock();
            const conv = fakeConvergence(clock);
            conv.addGroup('g1', { desired: 1 });
            conv.addGroup('g2');
            const store = countsCached(conv.store, clock);
            expect(await store.scaleUpCounts()).to.equal({ wanting: 1, total: 2 });
            conv.addGroup('g3', { desired: 1 });
            clock.advance(999);
            expect(await store.scaleUpCounts()).to.equal({ wanting: 1, total: 2 });      // a second old is fresh enough
            expect(conv.counts.scaleUpCounts).to.equal(1);
            clock.advance(1);
            expect(await store.scaleUpCounts()).to.equal({ wanting: 2, total: 3 });
            expect(conv.counts.scaleUpCounts).to.equal(2);
            clock.advance(-1);
            expect(await store.scaleUpCounts()).to.equal({ wanting: 2, total: 3 });
            expect(conv.counts.scaleUpCounts).to.equal(3);
            expect(await store.readConvergence(g1)).to.include({ desired: 1 });           // the rest is the store's own
        });

        it('keeps no failed count', async () => {
            const clock = manualClock();
            const conv = fakeConvergence(clock);
            const store = countsCached(conv.store, clock);
            conv.hooks.scaleUpCounts = () => {
                throw new Error('statement timeout');
            };
            await expect(store.scaleUpCounts()).to.reject('statement timeout');
            conv.hooks.scaleUpCounts = undefined;
            expect(await store.scaleUpCounts()).to.equal({ wanting: 0, total: 0 });       // the same instant, counted again
            expect(conv.counts.scaleUpCounts).to.equal(2);
        });
    });
});

describe('groupChains', () => {

    it('runs the work of a group one after another, and forgets the group once its last run settled', async () => {
        const chains = groupChains();
        const order: string[] = [];
        const first = gate();
        const a = chains.run(g1, async () => {
            await first.pass();
            order.push('a');
            return 'a';
        });
        const b = chains.run(g1, () => {
            order.push('b');
            return Promise.reject(new Error('b failed'));
        });
        const other = chains.run(GroupId('g2'), () => {
            order.push('other');
            return Promise.resolve('other');
        });
        expect(chains.size()).to.equal(2);
        await other;
        expect(order).to.equal(['other']);        // g1's second waits for its first
        first.open();
        expect(await a).to.equal('a');
        await expect(b).to.reject(Error, 'b failed');
        await settle();
        expect(order).to.equal(['other', 'a', 'b']);
        expect(chains.size()).to.equal(0);        // a failed run is forgotten too
    });

    it('queues a group once until its queued run starts', () => {
        const chains = groupChains();
        expect(chains.queue(g1)).to.be.true();
        expect(chains.queue(g1)).to.be.false();
        expect(chains.queue(GroupId('g2'))).to.be.true();
    });
});

describe('convergerLoop', () => {

    describe('life cycle', () => {

        it('runs nothing before it starts', async () => {
            const w = world();
            w.conv.addGroup('g1', { status: 'ERROR' });
            w.conv.addGroup('g2', { status: 'ERROR' });
            w.conv.addGroup('g3', { status: 'ERROR' });
            expect(w.loop.enabled).to.be.true();
            expect(w.loop.compute()).to.be.null();
            w.loop.kick(g1);
            await settle();
            expect(await w.loop.convergeOnce('g1')).to.equal([]);
            expect(await w.loop.convergeOnce()).to.equal([]);
            expect(w.conv.batches).to.equal(['']);       // a full page, but the loop is stopped: no next one
            expect(await w.loop.sweepOnce()).to.equal([]);
            expect(w.conv.pages).to.equal([]);
            expect(w.conv.reads).to.equal([]);
            expect(w.scheduler.timers).to.equal([]);
        });

        it('says so and runs nothing when there is no Compute', async () => {
            const w = world({ compute: false });
            w.conv.addGroup('g1', { status: 'ERROR' });
            expect(w.loop.enabled).to.be.false();
            w.loop.start();
            expect(w.logs).to.equal([{ tags: ['converger', 'info'], data: 'No openstack.compute or openstack.serviceAccount: no converger runs, desired capacity is recorded only' }]);
            w.loop.kick(g1);
            await settle();
            expect(w.conv.reads).to.equal([]);
            expect(w.scheduler.timers).to.equal([]);
            expect(w.loop.compute()).to.be.null();
            await w.loop.stop();
            expect(w.closed.count).to.equal(0);
        });

        it('opens its Compute at start, sweeps on its timer, and closes it at stop', async () => {
            const w = world();
            w.conv.addGroup('g1');
            w.loop.start();
            expect(w.loop.compute()).to.shallow.equal(w.nova.compute);
            expect(w.scheduler.pending().map((t) => t.ms).sort((a, b) => a - b)).to.equal([TAKEOVER_MS, SWEEP_MS]);
            w.scheduler.fire(SWEEP_MS);
            await settle();
            expect(w.conv.pages).to.equal([null]);
            expect(w.nova.listings).to.equal([{ projectId: 't1', region: 'r1' }]);
            expect(w.scheduler.pending().map((t) => t.ms).sort((a, b) => a - b)).to.equal([TAKEOVER_MS, SWEEP_MS]);
            await w.loop.stop();
            expect(w.scheduler.pending()).to.equal([]);
            expect(w.closed.count).to.equal(1);
            expect(w.loop.compute()).to.be.null();
            w.loop.kick(g1);
            await settle();
            expect(w.conv.reads).to.equal([]);            // stopped: a kick runs nothing
        });

        it('takes over the groups whose lease lapsed (a run that died) every sixth of the lease TTL, and logs a look that fails', async () => {
            const w = world();
            w.conv.addGroup('g1', { status: 'ERROR' });
            w.conv.leases.set(g1, { holder: 'dead/1', until: w.clock.now().getTime() + 1000 });
            w.loop.start();
            w.scheduler.fire(TAKEOVER_MS);
            await settle();
            expect(w.conv.reads).to.equal([]);                 // not lapsed yet
            w.clock.advance(TAKEOVER_MS);
            w.scheduler.fire(TAKEOVER_MS);
            await settle();
            expect(w.conv.reads).to.equal(['g1']);
            expect(w.conv.groups.get(g1)?.status).to.equal('ACTIVE');
            const failure = new Error('connection terminated');
            w.conv.hooks.lapsedLeases = () => {
                throw failure;
            };
            w.scheduler.fire(TAKEOVER_MS);
            await settle();
            expect(w.logs).to.equal([{ tags: ['converger', 'error'], data: failure }]);
            await w.loop.stop();
        });

        it('takes up the waiting groups of instances gone (no lease between runs), every sixth of the lease TTL, and not those of live ones', async () => {
            const w = world();
            building(w, 'g1');
            building(w, 'g2');
            w.conv.watchers.set(g1, InstanceId('dead'));
            w.conv.watchers.set(GroupId('g2'), InstanceId('i2'));
            w.conv.live.add(InstanceId('i2'));
            w.loop.start();
            w.scheduler.fire(TAKEOVER_MS);
            await settle();
            expect(w.conv.reads).to.equal(['g1']);
            expect([w.conv.watchers.get(g1), w.conv.watchers.get(GroupId('g2'))]).to.equal([InstanceId('i1'), InstanceId('i2')]);
            expect(rechecks(w)).to.equal([12.5]);            // and looks at it again while it waits, as its own
            // Adopted, it is this instance's to let go once it settles.
            w.nova.setStatus('srv-g1', 'ACTIVE');
            w.scheduler.fire(12.5);
            await settle();
            expect(w.conv.watchers.has(g1)).to.be.false();
            await w.loop.stop();
        });

        it('logs a sweep that fails, and sweeps again at the next period', async () => {
            const w = world();
            const failure = new Error('connection terminated');
            w.conv.hooks.sweepPage = () => {
                throw failure;
            };
            w.loop.start();
            w.scheduler.fire(SWEEP_MS);
            await settle();
            expect(w.logs).to.equal([{ tags: ['converger', 'error'], data: failure }]);
            expect(w.scheduler.pending().map((t) => t.ms).sort((a, b) => a - b)).to.equal([TAKEOVER_MS, SWEEP_MS]);
            await w.loop.stop();
        });

        it('lets a run under way finish before it closes the Compute, and looks at nothing again', async () => {
            const w = world();
            building(w, 'g1');
            const read = gate();
            w.conv.hooks.readConvergence = () => read.pass();
            w.loop.start();
            w.loop.kick(g1);
            await read.reached;
            const stopping = w.loop.stop();
            await settle();
            expect(w.closed.count).to.equal(0);
            read.open();
            await stopping;
            expect(w.closed.count).to.equal(1);
            expect(w.conv.leases.size).to.equal(0);      // the run ended and let its lease go
            expect(w.scheduler.pending()).to.equal([]);    // the group waits, but the loop is stopped
        });
    });

    describe('kick', () => {

        it('runs the group once however often it is kicked at once', async () => {
            const w = world();
            w.conv.addGroup('g1', { status: 'ERROR' });
            w.loop.start();
            w.loop.kick(g1);
            w.loop.kick(g1);
            w.loop.kick(g1);
            await settle();
            expect(w.conv.reads).to.equal(['g1']);
            expect(w.conv.groups.get(g1)?.status).to.equal('ACTIVE');
            expect(w.conv.leases.size).to.equal(0);
            expect(rechecks(w)).to.equal([]);            // done: not looked at again
            await w.loop.stop();
        });

        it('queues one more run for a kick during a run, never a second run at once', async () => {
            const w = world();
            w.conv.addGroup('g1');
            const first = gate();
            const holders: (string | undefined)[] = [];
            w.conv.hooks.readConvergence = (groupId) => {
                holders.push(w.conv.leases.get(groupId)?.holder);
                return holders.length === 1 ? first.pass() : undefined;
            };
            w.loop.start();
            w.loop.kick(g1);
            await first.reached;
            w.loop.kick(g1);          // queued behind the run
            w.loop.kick(g1);          // already queued
            await settle();
            expect(holders).to.equal(['i1/1']);
            first.open();
            await settle();
            expect(holders).to.equal(['i1/1', 'i1/2']);  // one after the other, each with its own lease
            expect(w.conv.leases.size).to.equal(0);
            await w.loop.stop();
        });

        it('logs a run that throws and looks again: every recheckMs while the database is out of reach, less and less often after anything else', async () => {
            const w = world();
            w.conv.addGroup('g1', { status: 'ERROR' });
            const outage = new DomainError('unavailable', 'ServiceUnavailableError', 'The database cannot be reached');
            let failure: Error = outage;
            w.conv.hooks.readConvergence = () => {
                throw failure;
            };
            w.loop.start();
            w.loop.kick(g1);
            await settle();
            expect(w.logs).to.equal([{ tags: ['converger', 'error'], data: outage }]);
            expect(w.conv.leases.size).to.equal(0);
            expect(rechecks(w)).to.equal([100]);
            w.scheduler.fire(100);
            await settle();
            expect(rechecks(w)).to.equal([100]);
            failure = new Error('a bug');
            w.scheduler.fire(100);
            await settle();
            w.scheduler.fire(100);
            await settle();
            expect(rechecks(w)).to.equal([200]);
            // Back: the next look runs, and the group settles.
            w.conv.hooks.readConvergence = undefined;
            w.scheduler.fire(200);
            await settle();
            expect(w.conv.reads).to.equal(['g1', 'g1', 'g1', 'g1', 'g1']);
            expect(w.conv.groups.get(g1)?.status).to.equal('ACTIVE');
            expect(rechecks(w)).to.equal([]);
            await w.loop.stop();
        });

        it('writes what a run could not as the database went away (its lease, the intents it never sent) before the next run: the group goes on at once, not after the lease TTL or the build timeout', async () => {
            const w = world();
            w.conv.addGroup('g1', { desired: 2 });
            const outage = new DomainError('unavailable', 'ServiceUnavailableError', 'The database cannot be reached');
            const away = () => {
                throw outage;
            };
            w.nova.createFails = new ComputeError('held', 'The creation budget cannot be read', null, 5);   // nothing sent
            w.conv.hooks.retireIntent = away;
            w.conv.hooks.releaseLease = away;
            w.loop.start();
            w.loop.kick(g1);
            await settle();
            expect(w.logs).to.equal([{ tags: ['converger', 'error'], data: outage }]);
            expect(w.conv.leases.get(g1)?.holder).to.equal('i1/1');
            expect(w.conv.groups.get(g1)?.ledger.map((e) => e.state)).to.equal(['intent', 'intent']);
            // Still away: the next look fails before it reads the group, let alone sends.
            w.scheduler.fire(100);
            await settle();
            expect(w.conv.reads).to.equal(['g1']);
            // Back.
            w.nova.createFails = undefined;
            w.conv.hooks.retireIntent = undefined;
            w.conv.hooks.releaseLease = undefined;
            w.scheduler.fire(100);
            await settle();
            expect(w.conv.groups.get(g1)?.ledger.map((e) => [e.state, e.serverId])).to.equal([['gone', null], ['gone', null], ['building', 's1'], ['building', 's2']]);
            expect(w.conv.leases.size).to.equal(0);
            await w.loop.stop();
        });

        it('writes them on the lease takeover\'s round too, with no recheck to come', async () => {
            const w = world({ settings: { recheckMs: 0 } });
            w.conv.addGroup('g1', { desired: 1 });
            w.nova.createFails = new ComputeError('held', 'The creation budget cannot be read', null, 5);
            w.conv.hooks.retireIntent = () => Promise.reject(new Error('Connection terminated unexpectedly'));
            w.conv.hooks.releaseLease = w.conv.hooks.retireIntent;
            w.loop.start();
            w.loop.kick(g1);
            await settle();
            expect(rechecks(w)).to.equal([]);
            w.conv.hooks.retireIntent = undefined;
            w.conv.hooks.releaseLease = undefined;
            w.scheduler.fire(TAKEOVER_MS);
            await settle();
            expect(w.conv.groups.get(g1)?.ledger.map((e) => e.state)).to.equal(['gone']);
            expect(w.conv.leases.size).to.equal(0);
            expect(w.conv.reads).to.equal(['g1']);     // written, and nothing run
            await w.loop.stop();
        });
    });

    describe('rechecks', () => {

        it('looks at a waiting group again, less and less often, and from the start once it settled', async () => {
            const w = world();
            building(w, 'g1');
            w.loop.start();
            w.loop.kick(g1);
            await settle();
            expect(rechecks(w)).to.equal([12.5]);          // the least step, recheckMs / 8
            w.clock.advance(2000);
            w.scheduler.fire(12.5);
            await settle();
            expect(rechecks(w)).to.equal([200]);           // a tenth of the 2 s waited so far
            w.clock.advance(2000);
            w.scheduler.fire(200);
            await settle();
            expect(rechecks(w)).to.equal([400]);
            expect(w.conv.reads).to.equal(['g1', 'g1', 'g1']);

            w.nova.setStatus('srv-g1', 'ACTIVE');
            w.scheduler.fire(400);
            await settle();
            expect(rechecks(w)).to.equal([]);
            expect(w.conv.groups.get(g1)?.ledger.map((e) => e.state)).to.equal(['active']);

            const group = w.conv.groups.get(g1);
            if (group) {
                group.desired = 2;          // a create, then a build to wait for
            }

            w.loop.kick(g1);
            await settle();
            expect(rechecks(w)).to.equal([12.5]);
            expect(w.nova.servers.size).to.equal(2);
            await w.loop.stop();
            expect(w.scheduler.pending()).to.equal([]);
        });

        it('says once in the database that it will look at a waiting group again, and once that it will not when the group settled', async () => {
            const w = world();
            building(w, 'g1');
            w.loop.start();
            w.loop.kick(g1);
            await settle();
            expect(w.conv.watchWrites).to.equal(['g1 i1']);
            w.scheduler.fire(12.5);
            await settle();
            expect(w.conv.watchWrites).to.equal(['g1 i1']);     // not again on each recheck
            w.nova.setStatus('srv-g1', 'ACTIVE');
            w.scheduler.fire(12.5);
            await settle();
            expect(w.conv.watchWrites).to.equal(['g1 i1', 'g1 -']);
            expect(w.conv.watchers.size).to.equal(0);
            await w.loop.stop();
        });

        it('logs a watch it could not write, and writes it at the next run that waits', async () => {
            const w = world();
            building(w, 'g1');
            const failure = new Error('connection terminated');
            w.conv.hooks.watchGroup = () => {
                throw failure;
            };
            w.loop.start();
            w.loop.kick(g1);
            await settle();
            expect(w.logs).to.equal([{ tags: ['converger', 'error'], data: `watch g1: ${String(failure)}` }]);
            expect(w.conv.watchers.size).to.equal(0);
            w.conv.hooks.watchGroup = undefined;
            w.scheduler.fire(12.5);
            await settle();
            expect(w.conv.watchers.get(g1)).to.equal(InstanceId('i1'));
            await w.loop.stop();
        });

        it('leaves its watches as it stops: the other instances take its waiting groups up', async () => {
            const w = world();
            building(w, 'g1');
            w.loop.start();
            w.loop.kick(g1);
            await settle();
            await w.loop.stop();
            expect(w.conv.watchWrites).to.equal(['g1 i1']);
        });

        it('comes back when the group was told to, without counting it as a wait', async () => {
            const w = world();
            w.conv.addGroup('g1', { desired: 1 });
            w.nova.createFails = new ComputeError('over_limit', 'Rate limit exceeded', 429, 5);
            w.loop.start();
            w.loop.kick(g1);
            await settle();
            expect(rechecks(w)).to.equal([5000]);
            w.clock.advance(5000);
            w.scheduler.fire(5000);
            await settle();
            expect(rechecks(w)).to.equal([5000]);
            expect(w.conv.groups.get(g1)?.ledger.map((e) => e.state)).to.equal(['gone', 'gone']);   // never sent: retired

            w.nova.createFails = undefined;
            w.clock.advance(5000);
            w.scheduler.fire(5000);
            await settle();
            expect(rechecks(w)).to.equal([12.5]);          // the first wait
            await w.loop.stop();
        });

        it('looks again at a hold on an unknown listing or a lease taken elsewhere, not at a paused group', async () => {
            const w = world();
            w.conv.addGroup('g1', { desired: 1 });
            w.conv.addGroup('g2', { desired: 1 });
            w.conv.addGroup('g3', { desired: 1, paused: true });
            w.conv.leases.set(GroupId('g2'), { holder: 'i2/7', until: w.clock.now().getTime() + 60_000 });
            w.nova.listFails = new ComputeError('unavailable', 'Service Unavailable', 503);
            w.loop.start();
            w.loop.kick(g1);
            w.loop.kick(GroupId('g2'));
            await settle();
            expect(rechecks(w)).to.equal([100, 100]);
            expect(w.conv.reads).to.equal(['g1']);                 // g2 was busy: never read
            expect(w.conv.activity.map((a) => a.row.reason)).to.equal(['listing_unknown']);

            w.nova.listFails = undefined;
            w.loop.kick(GroupId('g3'));
            await settle();
            expect(w.conv.activity.map((a) => a.row.reason)).to.equal(['listing_unknown', 'paused']);
            expect(rechecks(w)).to.equal([100, 100]);            // nothing more for the paused one
            await w.loop.stop();
        });

        it('keeps one recheck per group, however many runs leave it waiting (a sweep included)', async () => {
            const w = world();
            building(w, 'g1');
            w.loop.start();
            w.loop.kick(g1);
            await settle();
            expect(rechecks(w)).to.equal([12.5]);
            for (let sweep = 0; sweep < 3; sweep++) {
                w.clock.advance(1000);
                await w.loop.sweepOnce();
                await settle();
            }

            // Each sweep's run replaced the timer before it: still one, a tenth of the 3 s waited.
            expect(rechecks(w)).to.equal([300]);
            await w.loop.stop();
            expect(w.scheduler.pending()).to.equal([]);
        });

        it('does not look again at a run that threw once the loop has stopped', async () => {
            const w = world();
            w.conv.addGroup('g1');
            let fail: () => void = () => undefined;
            const failing = new Promise<never>((_resolve, reject) => {
                fail = () => reject(new DomainError('unavailable', 'ServiceUnavailableError', 'The database cannot be reached'));
            });
            w.conv.hooks.readConvergence = () => failing;
            w.loop.start();
            w.loop.kick(g1);
            await settle();
            const stopping = w.loop.stop();
            fail();
            await stopping;
            await settle();
            expect(w.logs).to.have.length(1);
            expect(w.scheduler.pending()).to.equal([]);
        });

        it('never looks again with a recheckMs of 0, not even after a run that threw', async () => {
            const w = world({ settings: { recheckMs: 0 } });
            building(w, 'g1');
            w.loop.start();
            w.loop.kick(g1);
            await settle();
            expect(w.conv.reads).to.equal(['g1']);
            expect(rechecks(w)).to.equal([]);
            w.conv.hooks.readConvergence = () => {
                throw new DomainError('unavailable', 'ServiceUnavailableError', 'The database cannot be reached');
            };
            w.loop.kick(g1);
            await settle();
            expect(w.logs).to.have.length(1);
            expect(rechecks(w)).to.equal([]);
            await w.loop.stop();
        });
    });

    describe('convergeOnce', () => {

        it('runs one group, or every group with something to do a page at a time', async () => {
            const w = world();
            for (const id of ['g1', 'g2', 'g3', 'g4', 'g5']) {
                w.conv.addGroup(id, { status: 'ERROR' });
            }

            w.conv.addGroup('g6');
            w.loop.start();
            expect((await w.loop.convergeOnce('g5')).map((r) => [r.groupId, r.outcome])).to.equal([['g5', 'done']]);
            const results = await w.loop.convergeOnce();
            expect(results.map((r) => [r.groupId, r.outcome])).to.equal([['g1', 'done'], ['g2', 'done'], ['g3', 'done'], ['g4', 'done']]);
            expect(w.conv.batches).to.equal(['', 'g2', 'g4']);
            expect(rechecks(w)).to.equal([]);          // the host asked: it looks again itself
            await w.loop.stop();
        });

        it('reads no further page once the loop is stopped', async () => {
            const w = world();
            for (const id of ['g1', 'g2', 'g3', 'g4', 'g5']) {
                w.conv.addGroup(id, { status: 'ERROR' });
            }

            let stopping: Promise<void> | null = null;
            w.conv.hooks.groupsToConverge = (after) => {
                if (after === 'g2') {
                    stopping = w.loop.stop();
                }
            };
            w.loop.start();
            const results = await w.loop.convergeOnce();
            await stopping;
            expect(w.conv.batches).to.equal(['', 'g2']);
            expect(results.map((r) => r.groupId).slice(0, 2)).to.equal(['g1', 'g2']);
            expect(w.closed.count).to.equal(1);
        });

        it('with a page size of 0 (the options refuse it) runs nothing and ends once the loop stops', async () => {
            // Today it reads empty pages until stop(): unlike sweepOnce, nothing ends it on an empty full page.
            const w = world({ settings: { sweepBatch: 0 } });
            w.conv.addGroup('g1', { status: 'ERROR' });
            let stopping: Promise<void> | null = null;
            w.conv.hooks.groupsToConverge = () => {
                if (w.conv.batches.length === 2) {
                    stopping = w.loop.stop();
                }
            };
            w.loop.start();
            expect(await w.loop.convergeOnce()).to.equal([]);
            await stopping;
            expect(w.conv.reads).to.equal([]);
        });

        it('counts the storm guard\'s groups once for the runs of one second', async () => {
            const w = world({ settings: { stormGuard: { shareThreshold: 0.5, minWanting: 100, regionCreatesPerS: 10 } } });
            w.conv.addGroup('g1', { desired: 1 });
            w.conv.addGroup('g2', { desired: 1 });
            w.loop.start();
            expect((await w.loop.convergeOnce()).map((r) => r.outcome)).to.equal(['wait', 'wait']);
            expect(w.conv.counts.scaleUpCounts).to.equal(1);
            expect(w.nova.servers.size).to.equal(2);
            w.clock.advance(1000);
            for (const g of w.conv.groups.values()) {
                g.desired = 2;
            }

            await w.loop.convergeOnce();
            expect(w.conv.counts.scaleUpCounts).to.equal(2);
            expect(w.nova.servers.size).to.equal(4);
            await w.loop.stop();
        });
    });

    describe('sweepOnce', () => {

        it('reads every page of its own share of the groups, and every group when its share cannot be known', async () => {
            const share = { index: 1, of: 3 };
            const w = world({ settings: { sweepBatch: 1 }, sweepShare: () => Promise.resolve(share) });
            w.conv.addGroup('g1');
            w.conv.addGroup('g2');
            w.loop.start();
            await w.loop.sweepOnce();
            expect(w.conv.shares).to.equal([share, share, share]);
            await w.loop.stop();
            const failure = new Error('no database');
            const v = world({ sweepShare: () => Promise.reject(failure) });
            v.loop.start();
            await v.loop.sweepOnce();
            expect(v.conv.shares).to.equal([WHOLE]);
            expect(v.logs.map((l) => String(l.data))).to.equal(['sweep share: Error: no database']);
            await v.loop.stop();
        });

        it('lists each project once, ends with the steady groups and runs the rest in full', async () => {
            const w = world();
            w.conv.addGroup('g1');
            w.conv.addGroup('g2');
            building(w, 'g3', 't2');
            w.loop.start();
            const results = await w.loop.sweepOnce();
            expect(results.map((r) => [r.groupId, r.outcome, r.plan === null])).to.equal([['g1', 'done', true], ['g2', 'done', true], ['g3', 'wait', false]]);
            expect(w.conv.pages).to.equal([null, { tenantId: 't1', groupId: 'g2' }]);
            expect(w.nova.listings.map((l) => l.projectId)).to.equal(['t1', 't2', 't2']);   // two triages, then g3's own run
            expect(w.conv.reads).to.equal(['g3']);
            expect(rechecks(w)).to.equal([12.5]);
            await w.loop.stop();
        });

        it('counts the waits of a group from the start once a sweep finds it steady', async () => {
            const w = world();
            building(w, 'g1');
            w.loop.start();
            w.loop.kick(g1);
            await settle();
            w.clock.advance(2000);
            w.scheduler.fire(12.5);
            await settle();
            expect(rechecks(w)).to.equal([200]);

            w.nova.setStatus('srv-g1', 'ACTIVE');
            const group = w.conv.groups.get(g1);
            if (group) {
                group.ledger = group.ledger.map((e) => ({ ...e, state: 'active' }));
            }

            expect((await w.loop.sweepOnce()).map((r) => [r.groupId, r.outcome])).to.equal([['g1', 'done']]);
            w.scheduler.pending().forEach((t) => t.cancel());
            if (group) {
                group.desired = 2;
            }

            w.loop.kick(g1);
            await settle();
            expect(rechecks(w)).to.equal([12.5]);         // its new wait begins now, not 2 s ago
            await w.loop.stop();
        });

        it('reads no further page once the loop is stopped', async () => {
            const w = world();
            w.conv.addGroup('g1');
            w.conv.addGroup('g2');
            w.conv.addGroup('g3');
            const page = gate();
            w.conv.hooks.sweepPage = () => page.pass();
            w.loop.start();
            const sweeping = w.loop.sweepOnce();
            await page.reached;
            const stopping = w.loop.stop();
            page.open();
            expect((await sweeping).map((r) => r.groupId)).to.equal(['g1', 'g2']);
            expect(w.conv.pages).to.equal([null]);
            await stopping;
        });

        it('with a page size of 0 (the options refuse it) reads one empty page and ends', async () => {
            const w = world({ settings: { sweepBatch: 0 } });
            w.conv.addGroup('g1');
            w.loop.start();
            expect(await w.loop.sweepOnce()).to.equal([]);
            expect(w.conv.pages).to.equal([null]);
            await w.loop.stop();
        });

        it('reads the next page while this one is looked at, and fails with it without an unhandled rejection', async () => {
            const w = world({ settings: { sweepBatch: 1 } });
            w.conv.addGroup('g1');
            w.conv.addGroup('g2');
            const unhandled: unknown[] = [];
            const onUnhandled = (reason: unknown) => unhandled.push(reason);
            process.on('unhandledRejection', onUnhandled);
            try {
                w.conv.hooks.sweepPage = (after) => {
                    if (after !== null) {
                        throw new Error('page 2 failed');
                    }
                };
                w.loop.start();
                await expect(w.loop.sweepOnce()).to.reject('page 2 failed');
                await settle();
                expect(w.conv.pages).to.equal([null, { tenantId: 't1', groupId: 'g1' }]);
                expect(w.nova.listings.map((l) => l.projectId)).to.equal(['t1']);     // page 1 was looked at meanwhile
                expect(unhandled).to.equal([]);
            }
            finally {
                process.off('unhandledRejection', onUnhandled);
                await w.loop.stop();
            }
        });
    });
});
