// The supervisor's loops (core/engine/circle-back.ts): the circle-back claims
// due attempts and fires each once, the prune keeps the activity log bounded,
// both on the scheduler's timers, and a failing round is logged, not fatal.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { alertIntake } from '../../../core/engine/alert-intake';
import { supervisorLoops, type SupervisorLoops } from '../../../core/engine/circle-back';
import { errorData } from '../../../core/engine/log';
import { supervisor } from '../../../core/engine/supervisor';
import type { AlertKey, AutoscaleAction } from '../../../core/model/alert';
import {
    fakeGroupsStore, fakeSupervision, logRecorder, makeGroup, manualClock, manualScheduler, settle,
    type FakeSupervision, type LogEntry, type ManualClock, type ManualScheduler, type StoreCall
} from './fakes';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const FLOOR_MS = 60_000;

interface World {
    readonly sup: FakeSupervision;
    readonly clock: ManualClock;
    readonly scheduler: ManualScheduler;
    readonly logs: LogEntry[];
    readonly groupCalls: StoreCall[];
    readonly loops: SupervisorLoops;
}

const world = (options: { intervalMs?: number; pruneIntervalMs?: number; pruneFails?: unknown } = {}): World => {
    const sup = fakeSupervision();
    const clock = manualClock();
    const scheduler = manualScheduler();
    const { log, entries } = logRecorder();
    const groups = fakeGroupsStore({ pruneFails: options.pruneFails });
    sup.addGroup(makeGroup('g1', { desired: 1 }));
    sup.addPolicy('g1', 'p1', { change: 1 });
    const sv = supervisor({ store: sup.store, clock, rules: { debounceMs: 0, region: null }, kick: () => undefined });
    const alerts = alertIntake({ store: sup.store, supervisor: sv, clock, circleBackCap: 3, floorMs: FLOOR_MS, log });
    const loops = supervisorLoops({
        supervision: sup.store, groups: groups.store, alerts, clock, scheduler, log, circleBackCap: 3, floorMs: FLOOR_MS,
        intervalMs: options.intervalMs ?? 0, pruneIntervalMs: options.pruneIntervalMs ?? 0, activityPerGroup: 50, eventRetentionS: 600
    });
    return { sup, clock, scheduler, logs: entries, groupCalls: groups.calls, loops };
};

// A CRITICAL alert whose next attempt is due at `at`, `attempts` in.
const critical = (w: World, ruleId: string, attempts: number, at: Date, actions: readonly AutoscaleAction[]): AlertKey => {
    const key = { tenantId: 't1', ruleId, entityId: '' };
    w.sup.episodes.set(`t1/${ruleId}/`, { key, episode: { state: 'CRITICAL', lastAt: at, attempts, nextAttemptAt: at }, actions });
    return key;
};

const up: AutoscaleAction = { type: 'autoscale', groupId: 'g1', policyId: 'p1' };

describe('supervisorLoops', () => {

    it('claims the due attempts and fires each as a circle-back', async () => {
        const w = world();
        critical(w, 'r1', 1, w.clock.now(), [up]);
        critical(w, 'r2', 1, new Date(w.clock.now().getTime() + 1), [up]);    // not yet due
        expect(await w.loops.runOnce()).to.equal({ attempts: 1 });
        expect(w.sup.claims).to.equal([{ now: w.clock.now(), cap: 3, floorMs: FLOOR_MS, limit: 100 }]);
        expect(w.sup.activity.map((a) => [a.kind, a.who, a.desiredAfter])).to.equal([['circle_back', 'alert:r1', 2]]);
        expect(w.sup.episodes.get('t1/r1/')?.episode).to.include({ attempts: 2, nextAttemptAt: new Date(w.clock.now().getTime() + FLOOR_MS) });
        expect(await w.loops.runOnce()).to.equal({ attempts: 0 });
    });

    it('looks at the time it is given, and counts an attempt whose action fails', async () => {
        const w = world();
        const later = new Date(w.clock.now().getTime() + 5000);
        critical(w, 'r1', 1, later, [{ type: 'autoscale', groupId: 'g1', policyId: 'gone' }]);
        expect(await w.loops.runOnce(later)).to.equal({ attempts: 1 });
        expect(w.sup.claims.map((c) => c.now)).to.equal([later]);
        expect(w.sup.episodes.get('t1/r1/')?.episode.attempts).to.equal(2);
        expect(w.sup.activity).to.equal([]);
        expect(w.logs.map((l) => l.tags)).to.equal([['supervisor', 'alert', 'warn']]);
    });

    it('prunes the activity log to its size per group, and alert event ids past their retention', async () => {
        const w = world();
        expect(await w.loops.pruneOnce()).to.equal(7 + 3);
        expect(w.groupCalls).to.equal([{ method: 'pruneActivity', args: [50] }]);
        expect(w.sup.eventPrunes).to.equal([new Date(w.clock.now().getTime() - 600_000)]);
    });

    it('runs no timer for an interval of 0', async () => {
        const w = world();
        w.loops.start();
        expect(w.scheduler.timers).to.equal([]);
        await w.loops.stop();
    });

    it('runs each loop on its own timer until stopped', async () => {
        const w = world({ intervalMs: 10_000, pruneIntervalMs: 3600_000 });
        critical(w, 'r1', 1, w.clock.now(), [up]);
        w.loops.start();
        expect(w.scheduler.pending().map((t) => t.ms)).to.equal([10_000, 3600_000]);
        w.scheduler.fire(10_000);
        await settle();
        expect(w.sup.activity).to.have.length(1);
        w.scheduler.fire(3600_000);
        await settle();
        expect(w.groupCalls.map((c) => c.method)).to.equal(['pruneActivity']);
        expect(w.scheduler.pending().map((t) => t.ms)).to.equal([10_000, 3600_000]);
        await w.loops.stop();
        expect(w.scheduler.pending()).to.equal([]);
        expect(w.logs).to.equal([]);
        await w.loops.stop();            // twice is harmless
    });

    it('logs a failing round with the error, and keeps going', async () => {
        const failure = new Error('disk full');
        const w = world({ pruneIntervalMs: 1000, pruneFails: failure });
        w.loops.start();
        w.scheduler.fire();
        await settle();
        expect(w.logs).to.equal([{ tags: ['supervisor', 'circle-back', 'error'], data: failure }]);
        expect(w.scheduler.pending().map((t) => t.ms)).to.equal([1000]);
        await w.loops.stop();
    });

    it('logs a failure that is not an Error as its text', async () => {
        const w = world({ pruneIntervalMs: 1000, pruneFails: 'lock timeout' });
        w.loops.start();
        w.scheduler.fire();
        await settle();
        expect(w.logs).to.equal([{ tags: ['supervisor', 'circle-back', 'error'], data: 'lock timeout' }]);
        await w.loops.stop();
    });
});

describe('errorData', () => {

    it('keeps an Error as it is and makes anything else text', () => {
        const err = new Error('x');
        expect(errorData(err)).to.shallow.equal(err);
        expect(errorData(42)).to.equal('42');
        expect(errorData(undefined)).to.equal('undefined');
    });
});
