// The schedule loop (core/engine/schedules.ts) over policies in memory: each
// due time one trigger from the schedule, named by its time; a run of missed
// times one row; a failure leaves the policy where it was; its own timer.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { CHUNK, schedules, type SchedulesDeps } from '../../../core/engine/schedules';
import { DomainError } from '../../../core/model/errors';
import { ActivityId, GroupId, PolicyId, TenantId } from '../../../core/model/ids';
import type { TriggerRequest, TriggerResult } from '../../../core/model/trigger';
import type { CronTimes, ScheduleMissed, SchedulePolicy } from '../../../core/ports/schedules';
import { noTelemetry, type ScheduleFiringTold } from '../../../core/ports/telemetry';
import { logRecorder, manualClock, manualScheduler } from './fakes';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const start = new Date('2030-01-01T00:00:00Z');
const minute = (n: number): Date => new Date(start.getTime() + n * 60_000);

// Due at every whole minute.
const everyMinute: CronTimes = (_cron, _zone, after, until) => {
    const times: Date[] = [];
    for (let m = Math.floor(after.getTime() / 60_000) + 1; m * 60_000 <= until.getTime(); m++) {
        times.push(new Date(m * 60_000));
    }

    return { times, scannedFrom: after };
};

const policy = (id: string, from = start): SchedulePolicy =>
    ({ policyId: PolicyId(id), groupId: GroupId(`g-${id}`), tenantId: TenantId('t1'), args: { cron: '* * * * *' }, from });

const accepted = (request: TriggerRequest, replay = false): TriggerResult => ({
    activityId: ActivityId('1'), decisionId: ActivityId('1'), outcome: 'accepted', reason: 'policy', desiredBefore: 0, desiredAfter: 1,
    message: request.eventId ?? '', replay
});

// `tell`: the loop is given a telemetry that keeps what it is told (w.told); otherwise none.
const world = (policies: SchedulePolicy[], options: { trigger?: SchedulesDeps['trigger']; intervalMs?: number; cronTimes?: CronTimes; startAt?: number; tell?: boolean } = {}) => {
    const clock = manualClock(start);
    const told: ScheduleFiringTold[] = [];
    const scheduler = manualScheduler();
    const { log, entries } = logRecorder();
    const triggers: TriggerRequest[] = [];
    const missed: ScheduleMissed[] = [];
    const rows = new Map(policies.map((p) => [p.policyId as string, p]));
    const listing = { fails: false };
    // Firings decided elsewhere, and the looks at them.
    const elsewhere = { decided: new Set<string>(), looks: [] as number[], fails: false };
    const loop = schedules({
        store: {
            schedulePolicies: async () => {
                if (listing.fails) {
                    throw new Error('no database');
                }

                return [...rows.values()];
            },
            advanceSchedule: async (policyId, from, to) => {
                const row = rows.get(policyId);
                if (row && row.from.getTime() === from.getTime()) {
                    rows.set(policyId, { ...row, from: to });
                }
            },
            recordMissed: async (m) => {
                missed.push(m);
            },
            decided: async (firings) => {
                elsewhere.looks.push(firings.length);
                if (elsewhere.fails) {
                    throw new Error('no database');
                }

                return new Set(firings.map((f) => f.eventId).filter((id) => elsewhere.decided.has(id)));
            }
        },
        cronTimes: options.cronTimes ?? everyMinute,
        trigger: async (request) => {
            triggers.push(request);
            return (options.trigger ?? (async (r) => accepted(r)))(request);
        },
        clock, scheduler, log, graceMs: 300_000, intervalMs: options.intervalMs ?? 1000, concurrency: 1, startAt: () => options.startAt ?? 0,
        ...(options.tell ? { telemetry: { ...noTelemetry, scheduleFiring: (firing) => told.push(firing) } } : {})
    });
    return { clock, scheduler, entries, triggers, missed, rows, listing, elsewhere, loop, told };
};

describe('the schedule loop', () => {

    it('runs each due time once as a trigger from the schedule, named by its time', async () => {
        const w = world([policy('p1')]);
        w.clock.set(minute(2));
        expect(await w.loop.runOnce()).to.equal({ fired: 2, replayed: 0, missed: 0 });
        w.clock.set(new Date(minute(2).getTime() + 30_000));
        expect(await w.loop.runOnce()).to.equal({ fired: 0, replayed: 0, missed: 0 });
        expect(w.triggers).to.equal([1, 2].map((n) => ({
            tenantId: 't1', groupId: 'g-p1', policyId: 'p1', source: 'schedule', eventId: `schedule:p1:${minute(n).toISOString()}`,
            forced: false, circleBack: false, who: 'schedule', note: null
        })));
    });

    it('starts each tick where the host says, going round the list, a few policies at once', async () => {
        const w = world(['p1', 'p2', 'p3'].map((id) => policy(id)), { startAt: 4 });
        w.clock.set(minute(1));
        expect(await w.loop.runOnce()).to.equal({ fired: 3, replayed: 0, missed: 0 });
        expect(w.triggers.map((t) => t.policyId)).to.equal(['p2', 'p3', 'p1']);
        const none = world([], { startAt: 4 });
        expect(await none.loop.runOnce()).to.equal({ fired: 0, replayed: 0, missed: 0 });
    });

    it('skips the firings another instance has decided, found in one look per chunk of policies; a look that fails tries them all', async () => {
        const w = world(Array.from({ length: CHUNK + 1 }, (_x, i) => policy(`p${i}`)));
        w.clock.set(minute(1));
        w.elsewhere.decided.add(`schedule:p0:${minute(1).toISOString()}`);
        expect(await w.loop.runOnce()).to.equal({ fired: CHUNK, replayed: 1, missed: 0 });
        expect(w.elsewhere.looks).to.equal([CHUNK, 1]);
        expect(w.rows.get('p0')?.from).to.equal(minute(1));
        w.clock.set(minute(2));
        w.elsewhere.fails = true;
        expect(await w.loop.runOnce()).to.equal({ fired: CHUNK + 1, replayed: 0, missed: 0 });
        expect(w.entries.map((e) => String(e.data))).to.equal(['decided firings: Error: no database', 'decided firings: Error: no database']);
        w.clock.set(new Date(minute(2).getTime() + 30_000));
        expect(await w.loop.runOnce()).to.equal({ fired: 0, replayed: 0, missed: 0 });
        expect(w.elsewhere.looks).to.equal([CHUNK, 1, CHUNK, 1]);
    });

    it('counts a due time another instance decided as a replay', async () => {
        const w = world([policy('p1')], { trigger: async (r) => accepted(r, true), tell: true });
        w.clock.set(minute(1));
        expect(await w.loop.runOnce()).to.equal({ fired: 0, replayed: 1, missed: 0 });
        expect(w.told.map((t) => [t.result, t.due])).to.equal([['replayed', minute(1)]]);
    });

    it('skips the times older than the grace in one row, and fires the rest', async () => {
        const w = world([policy('p1')], { tell: true });
        w.clock.set(minute(10));
        expect(await w.loop.runOnce()).to.equal({ fired: 5, replayed: 0, missed: 5 });
        expect(w.missed).to.equal([{ policy: policy('p1'), count: 5, atLeast: false, last: minute(5) }]);
        const ids = { tenantId: policy('p1').tenantId, groupId: policy('p1').groupId, policyId: policy('p1').policyId };
        expect(w.told).to.equal([
            { result: 'missed', count: 5, ...ids, due: minute(5) },
            ...[6, 7, 8, 9, 10].map((m) => ({ result: 'fired' as const, count: 1, ...ids, due: minute(m) }))
        ]);
    });

    it('says so when a gap was too long to look at whole, even with none counted', async () => {
        const w = world([policy('p1')], { cronTimes: (_cron, _zone, _after, until) => ({ times: [], scannedFrom: until }), tell: true });
        w.clock.set(minute(60 * 24 * 30));
        expect(await w.loop.runOnce()).to.equal({ fired: 0, replayed: 0, missed: 0 });
        expect(w.missed).to.equal([{ policy: policy('p1'), count: 0, atLeast: true, last: start }]);
        expect(w.told.map((t) => [t.result, t.count, t.due])).to.equal([['missed', 0, start]]);
    });

    it('stops at a deleted policy quietly, logs any other failure, and leaves both to the next tick; the other policies go on', async () => {
        const w = world([policy('gone'), policy('flaky'), policy('broken'), policy('fine')], {
            trigger: async (r) => {
                if (r.policyId === 'gone') {
                    throw new DomainError('not_found', 'NoSuchPolicyError', 'No such policy: gone');
                }

                if (r.policyId === 'flaky') {
                    throw new DomainError('unavailable', 'ServiceUnavailableError', 'database gone');
                }

                if (r.policyId === 'broken') {
                    throw new TypeError('not a function');
                }

                return accepted(r);
            }
        });
        w.clock.set(minute(1));
        expect(await w.loop.runOnce()).to.equal({ fired: 1, replayed: 0, missed: 0 });
        expect(w.entries.map((e) => String(e.data))).to.equal(['policy flaky: ServiceUnavailableError: database gone', 'policy broken: TypeError: not a function']);
        expect([...w.rows.values()].map((p) => [p.policyId, p.from])).to.equal([['gone', start], ['flaky', start], ['broken', start], ['fine', minute(1)]]);
    });

    it('ticks each interval until stopped, logging a tick that fails; with no interval it never starts on its own', async () => {
        const w = world([policy('p1')]);
        w.loop.start();
        w.loop.start();
        w.clock.set(minute(1));
        w.scheduler.fire(1000);
        await new Promise((resolve) => setImmediate(resolve));
        expect(w.triggers.length).to.equal(1);
        await w.loop.stop();
        expect(w.scheduler.pending()).to.equal([]);

        const u = world([policy('p1')]);
        u.listing.fails = true;
        u.loop.start();
        u.scheduler.fire(1000);
        await new Promise((resolve) => setImmediate(resolve));
        expect(u.entries.map((e) => [e.tags, String(e.data)])).to.equal([[['schedule', 'error'], 'Error: no database']]);
        await u.loop.stop();

        const v = world([policy('p1')], { intervalMs: 0 });
        v.loop.start();
        expect(v.scheduler.pending()).to.equal([]);
    });
});
