// Whether a pass goes on sending (core/converge/plan-holds.ts): the group as
// it planned from, its lease its own; looked at no more than twice a second,
// once however many calls ask, and once false, false for the pass.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { passHolds, planHolds, PLAN_CHECK_MS } from '../../../core/converge/plan-holds';
import { GroupId, LeaseGeneration } from '../../../core/model/ids';
import type { KillSwitch } from '../../../core/model/kill-switch';
import { FakeConvergenceStore, TestClock } from '../../support/fake-convergence';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const at = new Date('2030-01-01T12:00:00Z');
const halt = (mode: KillSwitch['mode'], scope: KillSwitch['scope'] = { kind: 'global' }): KillSwitch => ({ scope, mode, reason: 'r', who: 'op', expiresAt: null });
const snap = { desired: 3, paused: false, killSwitches: [] as KillSwitch[] };

describe('a plan holds', () => {

    it('while the group is as it was read: the same desired, pause and kill-switch mode', () => {
        expect(planHolds(snap, { ...snap }, 'r1', at)).to.be.true();
        expect(planHolds(snap, { ...snap, desired: 4 }, 'r1', at)).to.be.false();
        expect(planHolds(snap, { ...snap, paused: true }, 'r1', at)).to.be.false();
        expect(planHolds(snap, { ...snap, killSwitches: [halt('scale-up')] }, 'r1', at)).to.be.false();
        expect(planHolds(snap, null, 'r1', at)).to.be.false();
        // A switch for another region, or one already lifted, changes nothing.
        expect(planHolds(snap, { ...snap, killSwitches: [halt('all', { kind: 'region', region: 'r2' })] }, 'r1', at)).to.be.true();
        expect(planHolds(snap, { ...snap, killSwitches: [{ ...halt('all'), expiresAt: new Date(at.getTime() - 1) }] }, 'r1', at)).to.be.true();
    });
});

describe('a pass\'s check', () => {
    const setup = () => {
        const clock = new TestClock(at);
        const store = new FakeConvergenceStore(clock);
        const group = store.addGroup({ groupId: GroupId('g1'), desired: 3 });
        const holds = passHolds({ store, clock, holder: 'i1/1', leaseTtlMs: 30_000, region: 'r1' }, { ...group, groupId: GroupId('g1') }, clock.now(), LeaseGeneration(1));
        return { clock, store, group, holds };
    };

    it('looks at nothing within the first half second, then once however many calls ask at once', async () => {
        const { clock, store, holds } = setup();
        expect(await holds()).to.be.true();
        expect(store.calls).to.equal([]);
        clock.advance(PLAN_CHECK_MS);
        expect(await Promise.all([holds(), holds(), holds()])).to.equal([true, true, true]);
        expect(store.calls).to.equal(['claimLease g1', 'groupHold g1']);
        clock.advance(PLAN_CHECK_MS - 1);
        expect(await holds()).to.be.true();
        expect(store.calls).to.have.length(2);
    });

    it('says no once the group changed, and no more after that without looking', async () => {
        const { clock, store, group, holds } = setup();
        clock.advance(PLAN_CHECK_MS);
        group.paused = true;
        expect(await holds()).to.be.false();
        group.paused = false;
        clock.advance(PLAN_CHECK_MS);
        expect(await holds()).to.be.false();
        expect(store.calls).to.equal(['claimLease g1', 'groupHold g1']);
    });

    it('says no once its lease is another\'s, without reading the group', async () => {
        const { clock, store, holds } = setup();
        store.leaseAnswers = [null];
        clock.advance(PLAN_CHECK_MS);
        expect(await holds()).to.be.false();
        expect(store.calls).to.equal(['claimLease g1']);
    });

    it('says no once its lease changed hands, even when it is its own again (another generation): the group may have moved meanwhile', async () => {
        const { clock, store, holds } = setup();
        store.leaseAnswers = [LeaseGeneration(2)];
        clock.advance(PLAN_CHECK_MS);
        expect(await holds()).to.be.false();
        expect(store.calls).to.equal(['claimLease g1']);
    });
});
