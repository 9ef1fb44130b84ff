// makeEngine (core/engine/engine.ts): one engine over the ports, whole. An
// accepted decision from any service kicks the converger over the same store;
// alerts circle back at the floor of the debounce window; the loops start and
// stop together, the Compute with them.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { makeEngine, type Engine, type EngineSettings } from '../../../core/engine/engine';
import { defaultLimits } from '../../../core/model/group';
import { GroupId, InstanceId, PolicyId, TenantId } from '../../../core/model/ids';
import type { ComputeScope } from '../../../core/ports/compute';
import type { DeliveryStore } from '../../../core/ports/deliveries';
import type { ScheduleStore } from '../../../core/ports/schedules';
import {
    fakeCompute, fakeConvergence, fakeGroupsStore, fakeInstances, fakeSupervision, gate, groupConfig, launchConfig, logRecorder, makeGroup, manualClock, manualScheduler, settle,
    type FakeConvergence, type FakeInstances, type FakeSupervision, type LogEntry, type ManualClock, type ManualScheduler, type StoreCall
} from './fakes';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const t1 = TenantId('t1');

// An outbox with nothing in it: the delivery loop's own tests are elsewhere.
const emptyOutbox: DeliveryStore = {
    stagesToDeliver: () => Promise.resolve([]), addDeliveries: () => Promise.resolve([]), claimDue: () => Promise.resolve([]),
    expired: () => Promise.resolve([]), retryAt: () => Promise.resolve(), acknowledge: () => Promise.resolve(),
    complete: (ends) => Promise.resolve(ends.map(() => false)), lookupToken: () => Promise.resolve({ kind: 'unknown' }), moveDeadline: () => Promise.resolve(false)
};
const g1 = GroupId('g1');

// One cron policy of g1, due at one minute, until a tick has handled it.
const everyMinute = (): ScheduleStore => {
    let from = new Date(0);
    return {
        schedulePolicies: () => Promise.resolve([{ policyId: PolicyId('p1'), groupId: g1, tenantId: t1, args: { cron: '* * * * *' }, from }]),
        advanceSchedule: (_policyId, _from, to) => Promise.resolve(void (from = to)),
        decided: () => Promise.resolve(new Set()),
        recordMissed: () => Promise.resolve()
    };
};

const settings: EngineSettings = {
    region: 'r1',
    limits: defaultLimits,
    debounceMs: 5000,
    activityPerGroup: 40,
    alerts: { circleBackCap: 4, intervalMs: 15_000, minDelayMs: 2000, pruneIntervalMs: 3600_000, eventRetentionS: 86_400 },
    converger: {
        convergeS: 300, buildTimeoutS: 600, orphanGraceS: 3600, leaseTtlS: 120, maxPasses: 3, recheckMs: 100,
        concurrency: 4, parallelGroups: 2, sweepBatch: 10, backoffBaseMs: 0, backoffCapMs: 0, stormGuard: false
    },
    // The runner's own rounds are test/core/engine/workflow-runner.ts's; here only when asked.
    workflows: { intervalMs: 0, batch: 10 },
    cluster: { leaseTtlS: 30, heartbeatMs: 10_000 },
    // The delivery loop's rounds are test/core/engine/webhook-deliveries.ts's.
    webhooks: { intervalMs: 0, batch: 10, concurrency: 2, attemptTimeoutMs: 1000, publicRoot: null },
    // The schedule loop's ticks are test/core/engine/schedules.ts's.
    schedules: { intervalMs: 0, graceMs: 300_000, concurrency: 2 }
};

interface World {
    readonly clock: ManualClock;
    readonly scheduler: ManualScheduler;
    readonly logs: LogEntry[];
    readonly sup: FakeSupervision;
    readonly conv: FakeConvergence;
    readonly instances: FakeInstances;
    readonly groupCalls: StoreCall[];
    readonly asked: ComputeScope[];
    readonly closed: { count: number };
    readonly engine: Engine;
}

const world = (computeEnabled = true, deliveries: DeliveryStore = emptyOutbox): World => {
    const clock = manualClock();
    const scheduler = manualScheduler();
    const { log, entries } = logRecorder();
    const sup = fakeSupervision();
    const conv = fakeConvergence(clock);
    const instances = fakeInstances(conv.leases);
    const groups = fakeGroupsStore();
    const asked: ComputeScope[] = [];
    const nova = fakeCompute(clock, async (scope) => {
        asked.push(scope);
        return `https://nova.example/v2.1/${scope.projectId}`;
    });
    const closed = { count: 0 };
    // One group, as the supervision and the convergence sides of one database see it.
    sup.addGroup(makeGroup('g1', { desired: 0 }));
    sup.addPolicy('g1', 'p1', { change: 1 });
    conv.addGroup('g1');
    const engine = makeEngine({
        groups: groups.store, supervision: sup.store, convergence: conv.store, clock, scheduler, log, computeEnabled, launchVisibility: null,
        instances: instances.store, instance: { id: InstanceId('i1'), host: 'node-1', pid: 4242 },
        workflows: { runningStages: () => Promise.resolve([]), finishStage: () => Promise.resolve(false) }, hostWorkflows: new Map(),
        deliveries, schedules: everyMinute(), cronTimes: (_cron, _zone, after, until) => ({ times: [new Date(60_000)].filter((t) => t > after && t <= until), scannedFrom: after }), webhookSender: { send: () => Promise.resolve({ kind: 'acknowledged' }) }, webhookUrlCheck: () => Promise.resolve({ ok: true }), newId: () => 'd1', random: () => 0,
        openCompute: () => (computeEnabled ? { compute: nova.compute, members: null, close: () => closed.count++ } : null), loadBalancersEnabled: false
    }, settings);
    return { clock, scheduler, logs: entries, sup, conv, instances, groupCalls: groups.calls, asked, closed, engine };
};

describe('makeEngine', () => {

    it('writes a webhook delivery with the server as the converger\'s Compute lists it while it runs, and by id alone before', async () => {
        const bodies: string[] = [];
        const outbox: DeliveryStore = {
            ...emptyOutbox,
            stagesToDeliver: async () => [{
                intentId: 'i1', event: 'launch', groupId: g1, tenantId: t1, serverId: 's9', stage: 'customer', stageIndex: 0, last: true, stageStartedAt: new Date(0),
                workflow: { type: 'webhook', url: 'https://h.example/x', secret: 's'.repeat(16), timeoutS: 60, defaultResult: 'abandon', events: ['launch'] }
            }],
            addDeliveries: async (rows) => {
                bodies.push(...rows.map((r) => r.body));
                return [];
            }
        };
        const w = world(true, outbox);
        await w.engine.webhooks.runOnce();
        await w.engine.start();
        await w.engine.webhooks.runOnce();
        await w.engine.stop();
        expect(bodies.map((b) => (JSON.parse(b) as { server: unknown }).server)).to.equal([
            { id: 's9', name: null, addresses: {}, metadata: {} }, { id: 's9', name: null, addresses: {}, metadata: {} }
        ]);
    });

    it('starts its loops and the converger together, and stops them together', async () => {
        const w = world();
        expect(w.engine.convergerEnabled).to.be.true();
        expect(w.scheduler.timers).to.equal([]);
        await w.engine.start();
        expect(w.scheduler.pending().map((t) => t.ms)).to.equal([10_000, 15_000, 3600_000, 300_000, 20_000]);   // heartbeat, circle-back, prune, sweep, lease takeover
        expect([...w.instances.rows.keys()]).to.equal(['i1']);          // registered before the loops start
        await w.engine.stop();
        expect(w.scheduler.pending()).to.equal([]);
        expect(w.closed.count).to.equal(1);
        expect(w.instances.rows.size).to.equal(0);                       // and gone once they have stopped
    });

    it('lists itself among the live instances, holding the lease of a group its converger is running', async () => {
        const w = world();
        const read = gate();
        w.conv.hooks.readConvergence = () => read.pass();
        await w.engine.start();
        expect(w.engine.instances.self).to.equal('i1');
        const started = w.clock.now();
        expect(await w.engine.instances.list()).to.equal([{ id: 'i1', host: 'node-1', pid: 4242, startedAt: started, lastSeenAt: started, leases: 0 }]);
        await w.engine.supervisor.requestConverge(t1, g1, 'ops');
        await read.reached;
        expect((await w.engine.instances.list()).map((i) => i.leases)).to.equal([1]);
        read.open();
        await settle();
        expect((await w.engine.instances.list()).map((i) => i.leases)).to.equal([0]);    // let go when the run ended
        await w.engine.stop();
        expect(await w.engine.instances.list()).to.equal([]);
    });

    it('kicks the converger for an accepted trigger, over the same group', async () => {
        const w = world();
        await w.engine.start();
        const result = await w.engine.supervisor.trigger({
            tenantId: t1, groupId: g1, policyId: PolicyId('p1'), source: 'webhook', eventId: null, forced: false, circleBack: false, who: 'webhook:w1', note: null
        });
        expect(result.outcome).to.equal('accepted');
        await settle();
        expect(w.conv.reads).to.equal(['g1']);
        await w.engine.stop();
    });

    it('runs a schedule policy\'s due time as a trigger from the schedule, and kicks the converger', async () => {
        const w = world();
        w.engine.start();
        w.clock.set(new Date(90_000));
        expect(await w.engine.schedules.runOnce()).to.equal({ fired: 1, replayed: 0, missed: 0 });
        expect(await w.engine.schedules.runOnce()).to.equal({ fired: 0, replayed: 0, missed: 0 });
        expect(w.sup.activity.map((a) => [a.source, a.kind, a.outcome, a.eventId])).to.equal([['schedule', 'execute', 'accepted', 'schedule:p1:1970-01-01T00:01:00.000Z']]);
        await settle();
        expect(w.conv.reads).to.equal(['g1']);
        await w.engine.stop();
    });

    it('kicks the converger for a new group with servers to make', async () => {
        const w = world();
        await w.engine.start();
        const created = await w.engine.groups.createGroup(t1, { config: groupConfig({ minEntities: 1 }), launch: launchConfig, policies: [] }, null);
        await settle();
        expect(w.conv.reads).to.equal([created.group.id]);
        await w.engine.stop();
    });

    it('circles back no sooner than the debounce window', async () => {
        const w = world();
        const outcome = await w.engine.alerts.transition({
            tenantId: 't1', ruleId: 'r1', eventId: 'e1', at: w.clock.now(), from: 'OK', to: 'CRITICAL', actions: [{ type: 'autoscale', groupId: 'g1', policyId: 'p1' }]
        });
        expect(outcome.triggers.map((r) => r.outcome)).to.equal(['accepted']);
        expect(w.sup.episodes.get('t1/r1/')?.episode.nextAttemptAt).to.equal(new Date(w.clock.now().getTime() + settings.debounceMs));

        const later = new Date(w.clock.now().getTime() + settings.debounceMs);
        expect(await w.engine.runOnce(later)).to.equal({ attempts: 1 });
        expect(w.sup.claims).to.equal([{ now: later, cap: 4, floorMs: 5000, limit: 100 }]);
        expect(w.sup.activity.map((a) => a.kind)).to.equal(['execute', 'circle_back']);
    });

    it('answers the server links from the running converger\'s Compute, in its region', async () => {
        const w = world();
        expect(await w.engine.serverEndpoint(t1)).to.equal({ endpoint: null, warning: null });
        await w.engine.start();
        expect(await w.engine.serverEndpoint(t1)).to.equal({ endpoint: 'https://nova.example/v2.1/t1', warning: null });
        expect(w.asked).to.equal([{ projectId: 't1', region: 'r1' }]);
        await w.engine.stop();
    });

    it('runs the loops\' rounds when the host asks', async () => {
        const w = world();
        expect(await w.engine.pruneOnce()).to.equal(7 + 3);
        expect(w.groupCalls).to.equal([{ method: 'pruneActivity', args: [40] }]);
        await w.engine.start();
        const status = w.conv.groups.get(g1);
        if (status) {
            status.status = 'ERROR';
        }

        expect((await w.engine.convergeOnce()).map((r) => [r.groupId, r.outcome])).to.equal([['g1', 'done']]);
        expect((await w.engine.sweepOnce()).map((r) => [r.groupId, r.outcome])).to.equal([['g1', 'done']]);
        await w.engine.stop();
    });

    it('records desired capacity only when no Compute is configured', async () => {
        const w = world(false);
        expect(w.engine.convergerEnabled).to.be.false();
        await w.engine.start();
        expect(w.logs.map((l) => l.tags)).to.equal([['converger', 'info']]);
        expect(w.scheduler.pending().map((t) => t.ms)).to.equal([10_000, 15_000, 3600_000]);
        await w.engine.supervisor.requestConverge(t1, g1, 'ops');
        await settle();
        expect(w.conv.reads).to.equal([]);
        await w.engine.stop();
        expect(w.scheduler.pending()).to.equal([]);
    });
});
