// The supervisor (core/engine/supervisor.ts) over an in-memory store: what
// each request writes, what it answers, and that the converger is kicked only
// for a decision that may have moved the group, after its write.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { supervisor, type Supervisor } from '../../../core/engine/supervisor';
import { DomainError } from '../../../core/model/errors';
import { GroupId, PolicyId, TenantId } from '../../../core/model/ids';
import { scopeName, type KillSwitch } from '../../../core/model/kill-switch';
import type { Override } from '../../../core/model/override';
import type { TriggerRequest, TriggerResult } from '../../../core/model/trigger';
import { noTelemetry } from '../../../core/ports/telemetry';
import { fakeSupervision, makeGroup, manualClock, type FakeSupervision, type ManualClock } from './fakes';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const t1 = TenantId('t1');
const g1 = GroupId('g1');

interface World {
    readonly sup: FakeSupervision;
    readonly clock: ManualClock;
    readonly kicks: string[];
    readonly supervisor: Supervisor;
}

const world = (options: { desired?: number; max?: number; min?: number; paused?: boolean; debounceMs?: number } = {}): World => {
    const sup = fakeSupervision();
    const clock = manualClock();
    const kicks: string[] = [];
    sup.addGroup(makeGroup('g1', { desired: options.desired ?? 2, paused: options.paused ?? false, config: { minEntities: options.min ?? 0, maxEntities: options.max ?? 10 } }));
    sup.addPolicy('g1', 'p1', { change: 1 });
    return { sup, clock, kicks, supervisor: supervisor({ store: sup.store, clock, rules: { debounceMs: options.debounceMs ?? 0, region: 'r1' }, kick: (id) => kicks.push(id) }) };
};

const request = (change: Partial<TriggerRequest> = {}): TriggerRequest => ({
    tenantId: t1, groupId: g1, policyId: PolicyId('p1'), source: 'webhook', eventId: null, forced: false, circleBack: false, who: 'webhook:w1', note: null, ...change
});

const desiredOf = (w: World): number | undefined => w.sup.groups.get(g1)?.group.state.desiredCapacity;

const override = (change: Partial<Override>, clock: ManualClock): Override => ({
    desiredCapacity: null, minEntities: null, maxEntities: null, reason: 'launch day', who: 'ops', expiresAt: new Date(clock.now().getTime() + 3600_000), byAdmin: false, ...change
});

describe('supervisor', () => {

    describe('trigger', () => {

        it('writes an accepted decision and kicks the converger after it', async () => {
            const w = world();
            const result = await w.supervisor.trigger(request({ note: 'load' }));
            expect(result).to.include({ outcome: 'accepted', reason: 'policy', desiredBefore: 2, desiredAfter: 3, message: 'Desired 2 → 3 (load)', replay: false });
            expect(result.decisionId).to.equal(result.activityId);
            expect(desiredOf(w)).to.equal(3);
            expect(w.sup.activity).to.have.length(1);
            expect(w.sup.activity[0]).to.include({ id: result.activityId, outcome: 'accepted', who: 'webhook:w1', source: 'webhook', at: w.clock.now() });
            expect(w.kicks).to.equal(['g1']);
            expect(w.sup.locks).to.equal([]);          // the compare-and-set won: no lock taken
        });

        it('tells its telemetry each decision with the request it came from, and a replay not again', async () => {
            const sup = fakeSupervision();
            sup.addGroup(makeGroup('g1', { desired: 2 }));
            sup.addPolicy('g1', 'p1', { change: 1 });
            const told: [TriggerRequest, TriggerResult][] = [];
            const s = supervisor({
                store: sup.store, clock: manualClock(), rules: { debounceMs: 0, region: 'r1' }, kick: () => undefined,
                telemetry: { ...noTelemetry, decision: (req, res) => told.push([req, res]) }
            });
            const asked = request({ eventId: 'e1', requestId: 'req-1' });
            const first = await s.trigger(asked);
            await s.trigger(asked);
            expect(told).to.equal([[asked, first]]);
        });

        it('a decoy reads and records once through the store\'s decoy, and writes, locks and kicks nothing', async () => {
            const w = world();
            const before = JSON.stringify([...w.sup.groups.values()]);
            await w.supervisor.decoy(request());
            expect(w.sup.decoys).to.equal(['read', 'record']);
            expect(JSON.stringify([...w.sup.groups.values()])).to.equal(before);
            expect(w.sup.activity).to.equal([]);
            expect(w.sup.locks).to.equal([]);         // its compare-and-set finds nothing: no retry under a lock either
            expect(w.kicks).to.equal([]);
        });

        it('writes a refusal and leaves the converger alone', async () => {
            const w = world({ desired: 10, max: 10 });
            const result = await w.supervisor.trigger(request());
            expect(result).to.include({ outcome: 'refused', reason: 'at_max', desiredAfter: 10, replay: false });
            expect(w.sup.activity.map((a) => a.outcome)).to.equal(['refused']);
            expect(w.kicks).to.equal([]);
        });

        it('answers a repeated event id as the first time, writes nothing and kicks nothing', async () => {
            const w = world();
            const first = await w.supervisor.trigger(request({ eventId: 'e1' }));
            w.clock.advance(60_000);
            const again = await w.supervisor.trigger(request({ eventId: 'e1' }));
            expect(again).to.equal({ ...first, replay: true });
            expect(desiredOf(w)).to.equal(3);
            expect(w.sup.activity).to.have.length(1);
            expect(w.kicks).to.equal(['g1']);
        });

        it('answers a repeated coalesced event with the decision it joined', async () => {
            const w = world({ debounceMs: 10_000 });
            const decision = await w.supervisor.trigger(request({ eventId: 'e1' }));
            w.clock.advance(1000);
            const joined = await w.supervisor.trigger(request({ eventId: 'e2' }));
            expect(joined).to.include({ outcome: 'coalesced', reason: 'debounced', decisionId: decision.activityId, replay: false });
            const again = await w.supervisor.trigger(request({ eventId: 'e2' }));
            expect(again).to.equal({ ...joined, replay: true });
            expect(w.sup.activity).to.have.length(2);
            expect(w.kicks).to.equal(['g1']);
        });

        it('decides again under the group lock when another decision moved the group first', async () => {
            const w = world();
            w.sup.hooks.beforeRecord = (locked) => {
                if (!locked) {
                    // Another trigger committed 2 → 5 between this one's read and its write.
                    const row = w.sup.groups.get(g1);
                    if (row) {
                        row.group = { ...row.group, state: { ...row.group.state, desiredCapacity: 5 } };
                    }

                    w.sup.bump('g1');
                }
            };
            const result = await w.supervisor.trigger(request());
            expect(result).to.include({ outcome: 'accepted', desiredBefore: 5, desiredAfter: 6, replay: false });
            expect(w.sup.locks).to.equal(['trigger:g1']);
            expect(w.sup.activity.map((a) => [a.desiredBefore, a.desiredAfter])).to.equal([[5, 6]]);   // written once, on the new state
            expect(w.kicks).to.equal(['g1']);
        });

        it('answers as the twin that took its event id first, once under the lock', async () => {
            const w = world();
            let twin = null as TriggerResult | null;
            w.sup.hooks.beforeRecord = async (locked) => {
                if (!locked && twin === null) {
                    // The same event, sent twice at once: the other copy is written first.
                    w.sup.hooks.beforeRecord = undefined;
                    twin = await w.supervisor.trigger(request({ eventId: 'e1' }));
                }
            };
            const result = await w.supervisor.trigger(request({ eventId: 'e1' }));
            expect(twin).to.include({ outcome: 'accepted', replay: false });
            expect(result).to.equal({ ...twin, replay: true });
            expect(w.sup.locks).to.equal(['trigger:g1']);
            expect(w.sup.activity).to.have.length(1);
            expect(desiredOf(w)).to.equal(3);
            expect(w.kicks).to.equal(['g1']);      // the twin's decision only
        });

        it('fails rather than guess when even the locked attempt finds the group changed', async () => {
            const w = world();
            w.sup.hooks.beforeRecord = () => w.sup.bump('g1');    // a store whose lock does not hold
            await expect(w.supervisor.trigger(request())).to.reject(Error, 'a trigger under the group lock found the group changed');
            expect(w.sup.locks).to.equal(['trigger:g1']);
            expect(w.sup.activity).to.equal([]);
            expect(desiredOf(w)).to.equal(2);
            expect(w.kicks).to.equal([]);
        });

        it('passes the store\'s not-found on', async () => {
            const w = world();
            await expect(w.supervisor.trigger(request({ policyId: PolicyId('nope') }))).to.reject(DomainError, 'No such policy: nope');
            await expect(w.supervisor.trigger(request({ tenantId: TenantId('t2') }))).to.reject(DomainError, 'No such group: g1');
            expect(w.kicks).to.equal([]);
        });
    });

    describe('overrides', () => {

        it("keeps an admin's override from a tenant: neither changed nor cleared, until an admin does", async () => {
            const w = world();
            const pin = override({ desiredCapacity: 0, reason: 'freeze' }, w.clock);
            await w.supervisor.setOverride(t1, g1, pin, 'admin');
            const kicks = w.kicks.length;
            const refusal = { reason: 'admin_override' };
            const put = await expect(w.supervisor.setOverride(t1, g1, { ...pin, desiredCapacity: 3 }, 'manual')).to.reject(DomainError);
            expect([put.name, (put as DomainError).details]).to.equal(['CannotSetOverrideError', refusal]);
            const cleared = await expect(w.supervisor.clearOverride(t1, g1, 'alice', 'manual')).to.reject(DomainError);
            expect([cleared.name, (cleared as DomainError).details]).to.equal(['CannotClearOverrideError', refusal]);
            expect(await w.supervisor.getOverride(t1, g1)).to.include({ desiredCapacity: 0, byAdmin: true });
            expect(w.kicks.length).to.equal(kicks);                 // a refusal moves nothing

            await w.supervisor.clearOverride(t1, g1, 'ops', 'admin');
            expect(await w.supervisor.getOverride(t1, g1)).to.be.null();
        });

        it('reads the override in force only', async () => {
            const w = world();
            expect(await w.supervisor.getOverride(t1, g1)).to.be.null();
            const pin = override({ desiredCapacity: 4 }, w.clock);
            await w.supervisor.setOverride(t1, g1, pin, 'admin');
            expect(await w.supervisor.getOverride(t1, g1)).to.equal({ ...pin, byAdmin: true });
            w.clock.set(pin.expiresAt);
            expect(await w.supervisor.getOverride(t1, g1)).to.be.null();
        });

        it('moves desired at once to what the override pins, with its activity row', async () => {
            const w = world();
            const versionBefore = w.sup.groups.get(g1)?.version;
            await w.supervisor.setOverride(t1, g1, override({ desiredCapacity: 6 }, w.clock), 'admin');
            const row = w.sup.groups.get(g1);
            expect(row?.group.state.desiredCapacity).to.equal(6);
            expect(row?.lastScaledAt).to.equal(w.clock.now());
            expect(row?.version).to.equal((versionBefore ?? 0) + 1);
            expect(w.sup.activity.map((a) => [a.kind, a.source, a.desiredBefore, a.desiredAfter])).to.equal([['override', 'admin', 2, 6]]);
            expect(w.kicks).to.equal(['g1']);
        });

        it('leaves desired and the last scaling alone when the override moves nothing', async () => {
            const w = world();
            await w.supervisor.setOverride(t1, g1, override({ maxEntities: 8 }, w.clock), 'admin');
            const row = w.sup.groups.get(g1);
            expect(row?.group.state.desiredCapacity).to.equal(2);
            expect(row?.lastScaledAt).to.be.null();
            expect(row?.override?.maxEntities).to.equal(8);
            expect(w.sup.activity.map((a) => [a.desiredBefore, a.desiredAfter])).to.equal([[2, 2]]);
        });

        it('refuses an override a kill-switch stops, writing nothing and kicking nothing', async () => {
            const w = world();
            await w.supervisor.setKillSwitch({ scope: { kind: 'region', region: 'r1' }, mode: 'scale-up', reason: 'nova incident', who: 'ops', expiresAt: null });
            const refused = await expect(w.supervisor.setOverride(t1, g1, override({ desiredCapacity: 6 }, w.clock), 'admin')).to.reject(DomainError);
            expect(refused.type).to.equal('CannotSetOverrideError');
            expect(w.sup.groups.get(g1)?.override).to.be.null();
            expect(desiredOf(w)).to.equal(2);
            expect(w.sup.activity).to.equal([]);
            expect(w.kicks).to.equal([]);
        });

        it('brings desired back within the group\'s bounds when the override goes', async () => {
            const w = world({ max: 5 });
            await w.supervisor.setOverride(t1, g1, override({ maxEntities: 9, desiredCapacity: 9 }, w.clock), 'admin');
            await w.supervisor.clearOverride(t1, g1, 'ops', 'admin');
            const row = w.sup.groups.get(g1);
            expect(row?.override).to.be.null();
            expect(row?.group.state.desiredCapacity).to.equal(5);
            expect(w.sup.activity.map((a) => [a.outcome, a.desiredBefore, a.desiredAfter])).to.equal([['accepted', 2, 9], ['done', 9, 5]]);
            expect(w.kicks).to.equal(['g1', 'g1']);
        });

        it('writes nothing when there is no override to clear', async () => {
            const w = world();
            const versionBefore = w.sup.groups.get(g1)?.version;
            await w.supervisor.clearOverride(t1, g1, 'ops', 'admin');
            expect(w.sup.activity).to.equal([]);
            expect(w.sup.groups.get(g1)?.version).to.equal(versionBefore);
            expect(w.sup.locks).to.equal(['group:g1']);
        });
    });

    describe('requestConverge', () => {

        it('records the request and kicks the converger', async () => {
            const w = world();
            const result = await w.supervisor.requestConverge(t1, g1, 'ops');
            expect(result).to.equal({ activityId: w.sup.activity[0]?.id, paused: false });
            expect(w.sup.activity.map((a) => [a.outcome, a.reason, a.who])).to.equal([['accepted', 'converge_requested', 'ops']]);
            expect(w.kicks).to.equal(['g1']);
        });

        it('records the refusal of a paused group and kicks nothing', async () => {
            const w = world({ paused: true });
            const result = await w.supervisor.requestConverge(t1, g1, 'ops');
            expect(result.paused).to.be.true();
            expect(w.sup.activity.map((a) => [a.outcome, a.reason])).to.equal([['refused', 'paused']]);
            expect(w.kicks).to.equal([]);
        });
    });

    describe('removeServer', () => {

        it('takes desired down by one and marks the server for deletion', async () => {
            const w = world({ desired: 3 });
            w.sup.addServer('g1', 's1', 'i1');
            const result = await w.supervisor.removeServer(t1, g1, 's1', { replace: false, who: 'ops' });
            expect(result).to.equal({ outcome: 'accepted', desiredBefore: 3, desiredAfter: 2 });
            expect(desiredOf(w)).to.equal(2);
            expect(w.sup.groups.get(g1)?.servers.get('s1')?.state).to.equal('deleting');
            expect(w.sup.activity.map((a) => a.reason)).to.equal(['remove_server']);
            expect(w.kicks).to.equal(['g1']);
        });

        it('keeps desired when the server is replaced', async () => {
            const w = world({ desired: 3 });
            w.sup.addServer('g1', 's1', 'i1');
            const versionBefore = w.sup.groups.get(g1)?.version;
            const result = await w.supervisor.removeServer(t1, g1, 's1', { replace: true, who: 'ops' });
            expect(result).to.equal({ outcome: 'accepted', desiredBefore: 3, desiredAfter: 3 });
            expect(w.sup.groups.get(g1)?.version).to.equal(versionBefore);       // desired was not written
            expect(w.sup.groups.get(g1)?.servers.get('s1')?.state).to.equal('deleting');
            expect(w.sup.activity.map((a) => a.reason)).to.equal(['replace_server']);
            expect(w.kicks).to.equal(['g1']);
        });

        it('leaves an entry already being deleted as it is, and still moves desired', async () => {
            const w = world({ desired: 3 });
            w.sup.addServer('g1', 's1', 'i1', 'deleting');
            const result = await w.supervisor.removeServer(t1, g1, 's1', { replace: false, who: 'ops' });
            expect(result).to.equal({ outcome: 'accepted', desiredBefore: 3, desiredAfter: 2 });
            expect(desiredOf(w)).to.equal(2);
            expect(w.sup.groups.get(g1)?.servers.get('s1')?.state).to.equal('deleting');
            expect(w.kicks).to.equal(['g1']);
        });

        it('writes only its refusal row for a paused group or one at its minimum', async () => {
            const paused = world({ desired: 3, paused: true });
            paused.sup.addServer('g1', 's1', 'i1');
            expect(await paused.supervisor.removeServer(t1, g1, 's1', { replace: false, who: 'ops' })).to.include({ outcome: 'refused', reason: 'paused' });
            expect(paused.sup.activity.map((a) => [a.outcome, a.reason, a.desiredBefore])).to.equal([['refused', 'paused', null]]);
            expect(paused.sup.groups.get(g1)?.servers.get('s1')?.state).to.equal('active');
            expect(paused.kicks).to.equal([]);

            const atMin = world({ desired: 1, min: 1 });
            atMin.sup.addServer('g1', 's1', 'i1');
            expect(await atMin.supervisor.removeServer(t1, g1, 's1', { replace: false, who: 'ops' })).to.include({ outcome: 'refused', reason: 'at_min' });
            expect(atMin.sup.groups.get(g1)?.group.state.desiredCapacity).to.equal(1);
            expect(atMin.kicks).to.equal([]);
        });

        it('refuses a server the ledger does not hold for the group, writing nothing', async () => {
            const w = world();
            w.sup.addServer('g1', 's1', 'i1', 'gone');
            const err = await expect(w.supervisor.removeServer(t1, g1, 's1', { replace: false, who: 'ops' })).to.reject(DomainError);
            expect(err.type).to.equal('NoSuchServerError');
            expect(w.sup.activity).to.equal([]);
            expect(w.kicks).to.equal([]);
        });
    });

    describe('setPaused', () => {

        it('writes a change of the flag only, and kicks on resume', async () => {
            const w = world();
            await w.supervisor.setPaused(t1, g1, true, 'ops');
            await w.supervisor.setPaused(t1, g1, true, 'ops');
            expect(w.sup.groups.get(g1)?.group.state.paused).to.be.true();
            expect(w.kicks).to.equal([]);
            await w.supervisor.setPaused(t1, g1, false, 'ops');
            expect(w.sup.groups.get(g1)?.group.state.paused).to.be.false();
            expect(w.sup.activity.map((a) => a.kind)).to.equal(['pause', 'resume']);
            expect(w.kicks).to.equal(['g1']);
        });
    });

    describe('kill-switches', () => {

        it('lists only the switches still in force, and sets and clears them in the store', async () => {
            const w = world();
            const at = (ms: number) => new Date(w.clock.now().getTime() + ms);
            const forever: KillSwitch = { scope: { kind: 'global' }, mode: 'all', reason: 'r', who: 'ops', expiresAt: null };
            const soon: KillSwitch = { scope: { kind: 'region', region: 'r1' }, mode: 'scale-up', reason: 'r', who: 'ops', expiresAt: at(1000) };
            await w.supervisor.setKillSwitch(forever);
            await w.supervisor.setKillSwitch(soon);
            expect(await w.supervisor.listKillSwitches()).to.equal([forever, soon]);
            w.clock.advance(1000);
            expect(await w.supervisor.listKillSwitches()).to.equal([forever]);
            expect(w.sup.killSwitches).to.have.length(2);        // expired, not deleted
            w.clock.advance(1000);
            expect(await w.supervisor.clearKillSwitch({ kind: 'global' }, 'carol')).to.be.true();
            expect(await w.supervisor.clearKillSwitch({ kind: 'global' }, 'carol')).to.be.false();
            // Each set and clear is in the history, newest first, the clear naming who cleared it at the clock's time.
            const history = await w.supervisor.killSwitchHistory({ limit: 2 });
            expect(history.items.map((e) => [e.action, scopeName(e.scope), e.who])).to.equal([['cleared', 'global', 'carol'], ['set', 'region:r1', soon.who]]);
            expect(history.items[0]?.at).to.equal(w.clock.now());
            expect(history.next).to.equal(history.items[1]?.id);
        });
    });
});
