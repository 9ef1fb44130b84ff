// Alert intake (core/engine/alert-intake.ts): the episode an alert's
// transitions move through in the store, and the attempts they fire through
// the real supervisor; one failing action never stops the others.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { alertIntake, takeIdOf, type AlertIntake } from '../../../core/engine/alert-intake';
import { supervisor } from '../../../core/engine/supervisor';
import type { AlertState, AlertTransition, AttemptClaim } from '../../../core/model/alert';
import { GroupId } from '../../../core/model/ids';
import { alertEventKey, fakeSupervision, logRecorder, makeGroup, manualClock, type FakeSupervision, type LogEntry, type ManualClock } from './fakes';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const FLOOR_MS = 30_000;
const CAP = 3;

interface World {
    readonly sup: FakeSupervision;
    readonly clock: ManualClock;
    readonly kicks: string[];
    readonly logs: LogEntry[];
    readonly intake: AlertIntake;
}

const world = (): World => {
    const sup = fakeSupervision();
    const clock = manualClock();
    const kicks: string[] = [];
    const { log, entries } = logRecorder();
    sup.addGroup(makeGroup('g1', { desired: 1 }));
    sup.addPolicy('g1', 'p1', { change: 1 });
    sup.addGroup(makeGroup('g2', { desired: 1 }));
    sup.addPolicy('g2', 'p2', { change: 2 });
    const sv = supervisor({ store: sup.store, clock, rules: { debounceMs: 0, region: null }, kick: (id) => kicks.push(id) });
    return { sup, clock, kicks, logs: entries, intake: alertIntake({ store: sup.store, supervisor: sv, clock, circleBackCap: CAP, floorMs: FLOOR_MS, log }) };
};

let events = 0;
const transition = (w: World, to: AlertState, change: Partial<AlertTransition> = {}): AlertTransition => ({
    tenantId: 't1', ruleId: 'r1', eventId: `ev${++events}`, at: w.clock.now(), from: 'OK', to,
    actions: [{ type: 'autoscale', groupId: 'g1', policyId: 'p1' }], ...change
});

const desiredOf = (w: World, id: string): number | undefined => w.sup.groups.get(GroupId(id))?.group.state.desiredCapacity;
const episodeOf = (w: World, entityId = '') => w.sup.episodes.get(`t1/r1/${entityId}`)?.episode;

describe('alertIntake', () => {

    describe('transition', () => {

        it('starts an episode on a first CRITICAL and fires its first attempt as the transition\'s own', async () => {
            const w = world();
            const t = transition(w, 'CRITICAL', { entityId: 'host-1' });
            const outcome = await w.intake.transition(t);
            expect(outcome.status).to.equal('taken');
            expect(outcome.skipped).to.equal([]);
            expect(outcome.triggers).to.have.length(1);
            expect(outcome.triggers[0]).to.include({ outcome: 'accepted', reason: 'policy', desiredBefore: 1, desiredAfter: 2, message: 'Desired 1 → 2' });
            expect(w.sup.activity.map((a) => [a.eventId, a.source, a.who, a.kind])).to.equal([[`${takeIdOf(t, w.clock.now())}:p1`, 'alert', 'alert:r1', 'execute']]);
            expect(episodeOf(w, 'host-1')).to.equal({ state: 'CRITICAL', lastAt: t.at, attempts: 1, nextAttemptAt: new Date(t.at.getTime() + FLOOR_MS) });
            expect(w.sup.claims).to.equal([]);          // started and claimed in one step
            expect(w.kicks).to.equal(['g1']);
        });

        it('answers a repeated CRITICAL as a replay and fires nothing', async () => {
            const w = world();
            const t = transition(w, 'CRITICAL');
            await w.intake.transition(t);
            expect(await w.intake.transition(t)).to.equal({ status: 'replay', triggers: [], skipped: [] });
            expect(desiredOf(w, 'g1')).to.equal(2);
            expect(w.sup.activity).to.have.length(1);
        });

        it('answers a repeated transition of the general path as a replay', async () => {
            const w = world();
            const t = transition(w, 'WARNING');
            expect(await w.intake.transition(t)).to.equal({ status: 'taken', triggers: [], skipped: [] });
            expect(await w.intake.transition(t)).to.equal({ status: 'replay', triggers: [], skipped: [] });
            expect(episodeOf(w)).to.include({ state: 'WARNING', attempts: 0, nextAttemptAt: null });
        });

        it('holds while still CRITICAL, ends on OK, notes the rest: none of them fires', async () => {
            const w = world();
            await w.intake.transition(transition(w, 'CRITICAL'));
            w.clock.advance(1000);
            const hold = transition(w, 'CRITICAL', { from: 'CRITICAL', actions: [{ type: 'autoscale', groupId: 'g2', policyId: 'p2' }] });
            expect(await w.intake.transition(hold)).to.equal({ status: 'taken', triggers: [], skipped: [] });
            expect(episodeOf(w)).to.include({ state: 'CRITICAL', lastAt: hold.at, attempts: 1 });
            expect(w.sup.episodes.get('t1/r1/')?.actions).to.equal(hold.actions);     // the latest actions win
            w.clock.advance(1000);
            expect(await w.intake.transition(transition(w, 'OK', { from: 'CRITICAL' }))).to.equal({ status: 'taken', triggers: [], skipped: [] });
            expect(episodeOf(w)).to.include({ state: 'OK', attempts: 1, nextAttemptAt: null });
            w.clock.advance(1000);
            expect(await w.intake.transition(transition(w, 'WARNING'))).to.equal({ status: 'taken', triggers: [], skipped: [] });
            expect(episodeOf(w)).to.include({ state: 'WARNING', attempts: 1, nextAttemptAt: null });
            expect(w.sup.activity).to.have.length(1);
            expect(w.sup.claims).to.equal([]);
        });

        it('starts a new episode on the general path and claims its first attempt before firing it', async () => {
            const w = world();
            await w.intake.transition(transition(w, 'OK'));
            w.clock.advance(1000);
            const t = transition(w, 'CRITICAL');
            const outcome = await w.intake.transition(t);
            expect(outcome.status).to.equal('taken');
            expect(outcome.triggers.map((r) => r.outcome)).to.equal(['accepted']);
            expect(w.sup.claims).to.equal([{ now: w.clock.now(), cap: CAP, floorMs: FLOOR_MS, limit: 1, only: { tenantId: 't1', ruleId: 'r1', entityId: '', attempts: 0 } }]);
            expect(episodeOf(w)).to.include({ state: 'CRITICAL', attempts: 1, nextAttemptAt: new Date(w.clock.now().getTime() + FLOOR_MS) });
            expect(w.sup.activity.map((a) => a.eventId)).to.equal([`${takeIdOf(t, w.clock.now())}:p1`]);
        });

        it('fires nothing when another instance claimed the first attempt first', async () => {
            const w = world();
            await w.intake.transition(transition(w, 'OK'));
            w.clock.advance(1000);
            const other: AttemptClaim[] = [];
            w.sup.hooks.beforeClaim = async (request) => {
                w.sup.hooks.beforeClaim = undefined;
                // Another plugin instance's loop claims every due attempt in between.
                other.push(...await w.sup.store.claimAlertAttempts({ now: request.now, cap: CAP, floorMs: FLOOR_MS, limit: 100 }));
            };
            const outcome = await w.intake.transition(transition(w, 'CRITICAL'));
            expect(outcome).to.equal({ status: 'taken', triggers: [], skipped: [] });
            expect(other.map((c) => c.attempt)).to.equal([1]);
            expect(episodeOf(w)?.attempts).to.equal(1);      // counted once, by the other instance
            expect(w.sup.activity).to.equal([]);
        });

        it('takes the same event id once per tenant and rule, and the other rule\'s trigger is its own', async () => {
            const w = world();
            const cpu = transition(w, 'CRITICAL', { eventId: 'shared' });
            expect((await w.intake.transition(cpu)).triggers.map((r) => [r.replay, r.desiredAfter])).to.equal([[false, 2]]);
            expect(await w.intake.transition({ ...cpu, entityId: 'other' })).to.equal({ status: 'replay', triggers: [], skipped: [] });
            const mem = await w.intake.transition({ ...cpu, ruleId: 'r2' });
            expect([mem.status, mem.triggers.map((r) => [r.replay, r.desiredAfter])]).to.equal(['taken', [[false, 3]]]);
            expect(w.sup.activity.map((a) => a.who)).to.equal(['alert:r1', 'alert:r2']);
        });

        it('names a take by its rule, event id and time, so that no rule or event id passes for another', () => {
            const w = world();
            const at = w.clock.now();
            const a = takeIdOf(transition(w, 'CRITICAL', { ruleId: 'a:b', eventId: 'c' }), at);
            expect(a).to.not.equal(takeIdOf(transition(w, 'CRITICAL', { ruleId: 'a', eventId: 'b:c' }), at));
            expect(a).to.not.equal(takeIdOf(transition(w, 'CRITICAL', { ruleId: 'a:b', eventId: 'c' }), new Date(at.getTime() + 1)));
            expect(a).to.equal(takeIdOf(transition(w, 'OK', { ruleId: 'a:b', eventId: 'c' }), at));
        });

        it('ignores a transition older than the last one seen, and logs it', async () => {
            const w = world();
            const last = transition(w, 'CRITICAL');
            await w.intake.transition(last);
            const stale = transition(w, 'OK', { at: new Date(last.at.getTime() - 1) });
            expect(await w.intake.transition(stale)).to.equal({ status: 'stale', triggers: [], skipped: [] });
            expect(episodeOf(w)).to.include({ state: 'CRITICAL', lastAt: last.at });
            expect(w.logs).to.equal([{
                tags: ['supervisor', 'alert', 'info'],
                data: { message: 'stale alert transition ignored', tenantId: 't1', ruleId: 'r1', entityId: '', eventId: stale.eventId, at: stale.at.toISOString(), lastAt: last.at.toISOString() }
            }]);
            expect(w.sup.alertEvents.has(alertEventKey(stale))).to.be.true();     // its event id is taken all the same
        });
    });

    describe('fire', () => {

        const claim = (attempt: number, actions: AttemptClaim['actions']): AttemptClaim => ({
            key: { tenantId: 't1', ruleId: 'r1', entityId: 'e' }, attempt, actions, nextAttemptAt: new Date(0)
        });

        it('fires a circle-back with no event id and says which attempt it is', async () => {
            const w = world();
            const fired = await w.intake.fire(claim(2, [{ type: 'autoscale', groupId: 'g1', policyId: 'p1' }]), null);
            expect(fired.skipped).to.equal([]);
            expect(fired.triggers[0]).to.include({ outcome: 'accepted', reason: 'circle_back', message: 'Desired 1 → 2 (alert still CRITICAL: attempt 2 of 3)' });
            expect(w.sup.activity.map((a) => [a.eventId, a.kind, a.who])).to.equal([[null, 'circle_back', 'alert:r1']]);
        });

        it('skips an action that cannot run and fires the others, each failure logged by its kind', async () => {
            const w = world();
            w.sup.addGroup(makeGroup('g3', { desired: 1 }));
            w.sup.addPolicy('g3', 'p3', { change: 1 });
            w.sup.addGroup(makeGroup('g4', { desired: 1 }));
            w.sup.addPolicy('g4', 'p4', { change: 1 });
            w.sup.hooks.beforeRead = (request) => {
                if (request.groupId === 'g3') {
                    throw new Error('connection reset');
                }

                if (request.groupId === 'g4') {
                    throw 'driver gave up';
                }
            };
            const actions = [
                { type: 'autoscale' as const, groupId: 'g1', policyId: 'gone' },
                { type: 'autoscale' as const, groupId: 'g3', policyId: 'p3' },
                { type: 'autoscale' as const, groupId: 'g4', policyId: 'p4' },
                { type: 'autoscale' as const, groupId: 'g2', policyId: 'p2' }
            ];
            const fired = await w.intake.fire(claim(1, actions), 'ev');
            expect(fired.triggers.map((r) => [r.outcome, r.desiredAfter])).to.equal([['accepted', 3]]);
            expect(desiredOf(w, 'g2')).to.equal(3);
            expect(fired.skipped).to.equal([
                { groupId: 'g1', policyId: 'gone', attempt: 1, type: 'NoSuchPolicyError', message: 'No such policy: gone' },
                { groupId: 'g3', policyId: 'p3', attempt: 1, type: 'InternalError', message: 'connection reset' },
                { groupId: 'g4', policyId: 'p4', attempt: 1, type: 'InternalError', message: 'driver gave up' }
            ]);
            const key = { tenantId: 't1', ruleId: 'r1', entityId: 'e' };
            expect(w.logs).to.equal([
                { tags: ['supervisor', 'alert', 'warn'], data: { message: 'alert action skipped: No such policy: gone', ...key, ...actions[0], attempt: 1 } },
                { tags: ['supervisor', 'alert', 'error'], data: { message: 'alert action skipped: connection reset', ...key, ...actions[1], attempt: 1 } },
                { tags: ['supervisor', 'alert', 'error'], data: { message: 'alert action skipped: driver gave up', ...key, ...actions[2], attempt: 1 } }
            ]);
        });
    });
});
