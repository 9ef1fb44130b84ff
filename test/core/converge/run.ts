// The converger's run (core/converge/run.ts convergeGroup) against an
// in-memory store and Nova: the lease around the run, the passes and what
// ends them, the group's status, the backoff and the storm guard.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { convergeGroup, type ConvergerDeps } from '../../../core/converge/run';
import { unwrittenWrites } from '../../../core/converge/unwritten';
import { DomainError } from '../../../core/model/errors';
import { GroupId, LeaseGeneration, TenantId } from '../../../core/model/ids';
import { computeError, FakeCompute, FakeConvergenceStore, TestClock, type FakeGroup } from '../../support/fake-convergence';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const g1 = GroupId('g1');

const setup = (group: Partial<FakeGroup> = {}, deps: Partial<ConvergerDeps> = {}) => {
    const clock = new TestClock();
    const store = new FakeConvergenceStore(clock);
    const compute = new FakeCompute(clock);
    const fake = store.addGroup({ groupId: g1, tenantId: TenantId('t1'), ...group });
    const converger: ConvergerDeps = {
        store, compute, clock, holder: 'run-1', region: 'r1', buildTimeoutS: 600, orphanGraceS: 3600, leaseTtlMs: 120_000, maxPasses: 5, concurrency: 10,
        ...deps
    };
    // A server of ours, ACTIVE in Nova and in the ledger.
    const active = (intentId: string, serverId: string, status = 'ACTIVE') => {
        fake.ledger.push({ intentId, serverId, state: 'active', createdAt: new Date(clock.now().getTime() - 3_600_000) });
        compute.add('t1', { id: serverId, status, metadata: { 'autoscale:group_id': 'g1', 'autoscale:intent_id': intentId } });
    };

    return { clock, store, compute, group: fake, deps: converger, active };
};

describe('convergeGroup: the lease', () => {

    it('does nothing while another converger holds the lease: busy, and it does not release a lease it never had', async () => {
        const { store, compute, deps } = setup({ desired: 2 });
        store.leaseAnswers = [null];
        expect(await convergeGroup(deps, g1)).to.equal({ groupId: g1, outcome: 'busy', passes: 0, plan: null, retryAt: null });
        expect(store.calls).to.equal(['claimLease g1']);
        expect(compute.calls).to.equal([]);
    });

    it('stops, busy, when its lease was taken between two passes, and says how many passes it made', async () => {
        const { store, compute, deps } = setup({ desired: 2 });
        store.leaseAnswers = [LeaseGeneration(1), null];
        const result = await convergeGroup(deps, g1);
        expect(result).to.include({ outcome: 'busy', passes: 1 });
        expect(result.plan?.create).to.equal(2);
        expect(compute.calls.filter((c) => c.startsWith('createServer'))).to.have.length(2);
        expect(store.calls.slice(-2)).to.equal(['claimLease g1', 'releaseLease g1']);
    });

    it('answers gone for a group that no longer exists, and lets the lease go', async () => {
        const { store, deps } = setup();
        store.groups.clear();
        expect(await convergeGroup(deps, g1)).to.equal({ groupId: g1, outcome: 'gone', passes: 1, plan: null, retryAt: null });
        expect(store.calls).to.equal(['claimLease g1', 'readConvergence g1', 'releaseLease g1']);
    });

    it('stops, busy, when its lease changed hands before it recorded its intents: no create sent, the lease let go', async () => {
        const { store, compute, deps } = setup({ desired: 2 });
        store.leaseAnswers = [LeaseGeneration(1)];
        store.generation = LeaseGeneration(2);     // what the step's statement finds
        const result = await convergeGroup(deps, g1);
        expect(result).to.include({ outcome: 'busy', passes: 1 });
        expect(compute.calls.filter((c) => c.startsWith('createServer'))).to.equal([]);
        expect(store.calls.slice(-2)).to.equal(['recordActivity g1 1', 'releaseLease g1']);
        expect(store.rows('g1').map((r) => r.reason)).to.equal(['replanned']);
    });

    it('goes on under the new generation a later pass claims: that pass observed afresh', async () => {
        const { store, compute, group, deps } = setup({ desired: 2 });
        // Between the passes the lease changed hands and came back, and the group grew.
        const creating = compute.createServer.bind(compute);
        compute.createServer = async (...args) => {
            group.desired = 3;
            store.generation = LeaseGeneration(5);
            return creating(...args);
        };
        store.leaseAnswers = [LeaseGeneration(1), LeaseGeneration(5)];
        const result = await convergeGroup(deps, g1);
        expect(result.outcome).to.equal('wait');
        expect(compute.calls.filter((c) => c.startsWith('createServer'))).to.have.length(3);
        expect(group.ledger).to.have.length(3);
    });

    it('lets the lease go when a pass throws', async () => {
        const { store, compute, deps } = setup({ desired: 1 });
        compute.failNext('createServer', new Error('bug'));
        await expect(convergeGroup(deps, g1)).to.reject(Error, 'bug');
        expect(store.calls[store.calls.length - 1]).to.equal('releaseLease g1');
    });

    it('keeps a lease it could not let go (the database away) for the loop to let go later', async () => {
        const unwritten = unwrittenWrites();
        const { store, deps } = setup({ desired: 0 }, { unwritten });
        const release = store.releaseLease.bind(store);
        store.releaseLease = () => Promise.reject(new DomainError('unavailable', 'ServiceUnavailableError', 'The database cannot be reached'));
        await expect(convergeGroup(deps, g1)).to.reject(DomainError);
        store.releaseLease = release;
        await unwritten.write(store);
        expect(store.calls.slice(-1)).to.equal(['releaseLease g1']);
    });
});

describe('convergeGroup: passes', () => {

    it('creates what is missing, lists again, and waits for the builds', async () => {
        const { store, compute, group, deps } = setup({ desired: 2 });
        const result = await convergeGroup(deps, g1);
        expect(result).to.include({ outcome: 'wait', passes: 2, retryAt: null });
        expect(result.plan?.counts).to.include({ pending: 2 });
        expect(compute.calls).to.equal(['listServers t1', 'createServer t1', 'createServer t1', 'listServers t1']);
        expect(group.ledger.map((e) => e.state)).to.equal(['building', 'building']);
        expect(store.rows('g1').map((r) => r.reason)).to.equal(['scale_up', 'scale_up']);
        expect(group.status).to.equal('ACTIVE');
    });

    it('ends done in one pass when Nova already matches, and clears an ERROR status with a row', async () => {
        const { store, group, deps, active } = setup({ desired: 1, status: 'ERROR' });
        active('i1', 's1');
        const result = await convergeGroup(deps, g1);
        expect(result).to.include({ outcome: 'done', passes: 1 });
        expect(group.status).to.equal('ACTIVE');
        expect(store.rows('g1').map((r) => [r.kind, r.outcome, r.reason, r.message])).to.equal([['status', 'done', 'recovered', 'Group status back to ACTIVE']]);
    });

    it('a converged ACTIVE group writes nothing: no observation, no status to clear, only its lease', async () => {
        const { store, deps, active } = setup({ desired: 1 });
        active('i1', 's1');
        expect(await convergeGroup(deps, g1)).to.include({ outcome: 'done', passes: 1 });
        expect(store.calls).to.equal(['claimLease g1', 'readConvergence g1', 'releaseLease g1']);
    });

    it('deletes a DELETING group that has nothing left', async () => {
        const { store, deps } = setup({ desired: 0, status: 'DELETING' });
        expect(await convergeGroup(deps, g1)).to.include({ outcome: 'deleted', passes: 1 });
        expect(store.groups.has('g1')).to.be.false();
    });

    it('leaves a DELETING group the store will not delete (its ledger still holds a server): done', async () => {
        const { store, group, deps, active } = setup({ desired: 1, status: 'DELETING' });
        active('i1', 's1');
        expect(await convergeGroup(deps, g1)).to.include({ outcome: 'done', passes: 1 });
        expect(store.groups.get('g1')).to.shallow.equal(group);
        expect(group.status).to.equal('DELETING');
    });

    it('stops on a hold: a paused group with steps withheld', async () => {
        const { compute, deps } = setup({ desired: 3, paused: true });
        const result = await convergeGroup(deps, g1);
        expect(result).to.include({ outcome: 'hold', passes: 1 });
        expect(result.plan?.holds.map((h) => h.reason)).to.equal(['paused']);
        expect(compute.calls).to.equal(['listServers t1']);
    });

    it('after its last pass answers that pass\'s plan, still act', async () => {
        const { deps, compute } = setup({ desired: 1 }, { maxPasses: 1 });
        const result = await convergeGroup(deps, g1);
        expect(result).to.include({ outcome: 'act', passes: 1 });
        expect(compute.calls).to.equal(['listServers t1', 'createServer t1']);
    });

    it('with no pass allowed reads nothing and answers act with no plan', async () => {
        const { store, compute, deps } = setup({ desired: 1 }, { maxPasses: 0 });
        expect(await convergeGroup(deps, g1)).to.equal({ groupId: g1, outcome: 'act', passes: 0, plan: null, retryAt: null });
        expect(store.calls).to.equal(['claimLease g1', 'releaseLease g1']);
        expect(compute.calls).to.equal([]);
    });
});

describe('convergeGroup: failures and the group status', () => {

    it('stops after a failed call (no tight retry loop); a quota refusal sets the status ERROR with Nova\'s message', async () => {
        const { store, compute, group, deps } = setup({ desired: 2 });
        compute.failNext('createServer', computeError('quota'));
        const result = await convergeGroup(deps, g1);
        expect(result).to.include({ outcome: 'failed', passes: 1, retryAt: null });
        expect(group.status).to.equal('ERROR');
        expect(store.rows('g1').map((r) => [r.kind, r.outcome, r.reason])).to.equal([
            ['create', 'failed', 'quota'], ['create', 'done', 'scale_up'], ['status', 'failed', 'group_error']
        ]);
        expect(store.rows('g1')[2]?.message).to.equal('Group status ERROR: Nova said quota');
        expect(group.buildFailures).to.equal(0);            // no backoff configured
    });

    it('a successful create clears an ERROR status', async () => {
        const { store, group, deps } = setup({ desired: 1, status: 'ERROR' }, { maxPasses: 1 });
        await convergeGroup(deps, g1);
        expect(group.status).to.equal('ACTIVE');
        expect(store.rows('g1').map((r) => r.reason)).to.equal(['scale_up', 'recovered']);
    });

    it('says when a rate-limited call may be tried again', async () => {
        const { clock, compute, deps } = setup({ desired: 1 });
        compute.failNext('createServer', computeError('over_limit', 30));
        const result = await convergeGroup(deps, g1);
        expect(result).to.include({ outcome: 'failed', retryAt: new Date(clock.now().getTime() + 30_000) });
    });
});

describe('convergeGroup: the backoff of failed builds', () => {

    const backoff = { baseMs: 10_000, capMs: 60_000 };

    it('a server gone ERROR starts the backoff: it is deleted now, its replacement waits', async () => {
        const { clock, store, compute, group, deps, active } = setup({ desired: 1 }, { backoff });
        active('i1', 's1', 'ERROR');
        const result = await convergeGroup(deps, g1);
        const until = new Date(clock.now().getTime() + 10_000);
        expect(result).to.include({ outcome: 'wait', passes: 1, retryAt: until });
        expect(result.plan?.create).to.equal(1);
        expect(compute.calls).to.equal(['listServers t1', 'deleteServer t1 s1']);
        expect(group).to.include({ buildFailures: 1, createsNotBefore: until });
        expect(store.rows('g1').map((r) => [r.kind, r.reason])).to.equal([['backoff', 'backoff'], ['delete', 'error']]);
        expect(store.rows('g1')[0]?.message).to.equal(`1 failed build in a row: no create for 10 s (until ${until.toISOString()})`);
    });

    it('a create refused for the launch configuration counts as a failed build', async () => {
        const { store, compute, group, deps } = setup({ desired: 2 }, { backoff });
        compute.failNext('createServer', computeError('bad_request'), computeError('bad_request'));
        await convergeGroup(deps, g1);
        expect(group.buildFailures).to.equal(2);
        expect(store.rows('g1').filter((r) => r.kind === 'backoff').map((r) => r.message)).to.equal([
            `2 failed builds in a row: no create for 20 s (until ${new Date(deps.clock.now().getTime() + 20_000).toISOString()})`
        ]);
    });

    it('creates nothing before the backoff is over, then resumes', async () => {
        const { clock, compute, deps } = setup({ desired: 1, createsNotBefore: new Date(new TestClock().now().getTime() + 5_000) }, { backoff });
        const held = await convergeGroup(deps, g1);
        expect(held).to.include({ outcome: 'wait', retryAt: new Date(clock.now().getTime() + 5_000) });
        expect(compute.calls).to.equal(['listServers t1']);

        clock.advance(5_000);
        expect(await convergeGroup(deps, g1)).to.include({ outcome: 'wait', passes: 2 });
        expect(compute.calls.filter((c) => c.startsWith('createServer'))).to.have.length(1);
    });

    it('with no backoff configured (base or cap 0) replaces an ERROR server in the same pass', async () => {
        for (const off of [undefined, { baseMs: 0, capMs: 60_000 }, { baseMs: 10_000, capMs: 0 }]) {
            const { compute, group, deps, active } = setup({ desired: 1 }, off ? { backoff: off } : {});
            active('i1', 's1', 'ERROR');
            const result = await convergeGroup(deps, g1);
            expect(result.outcome, JSON.stringify(off)).to.equal('wait');
            expect(compute.calls.slice(0, 3), JSON.stringify(off)).to.equal(['listServers t1', 'deleteServer t1 s1', 'createServer t1']);
            expect(group.buildFailures).to.equal(0);
        }
    });
});

describe('convergeGroup: the storm guard', () => {

    const stormGuard = { shareThreshold: 0.5, minWanting: 2, regionCreatesPerS: 1 };

    it('creates everything when the region is calm', async () => {
        const { store, compute, deps } = setup({ desired: 8 }, { stormGuard });
        store.scaleUp = { wanting: 1, total: 10 };
        expect(await convergeGroup(deps, g1)).to.include({ outcome: 'wait' });
        expect(compute.calls.filter((c) => c.startsWith('createServer'))).to.have.length(8);
        expect(store.calls.some((c) => c.startsWith('paceCreates'))).to.be.false();
    });

    it('paces a storm: this run creates its share of the next seconds and comes back at the next slot', async () => {
        const { clock, store, compute, group, deps } = setup({ desired: 20, maxEntities: 20 }, { stormGuard });
        store.scaleUp = { wanting: 8, total: 10 };          // 80 % want more: 1/8 create per second each
        const result = await convergeGroup(deps, g1);
        const until = new Date(clock.now().getTime() + 8_000);
        expect(result).to.include({ outcome: 'wait', passes: 1, retryAt: until });
        expect(compute.calls.filter((c) => c.startsWith('createServer'))).to.have.length(1);
        expect(group.createsNotBefore).to.equal(until);
        const row = store.rows('g1').find((r) => r.kind === 'storm_guard');
        expect(row).to.include({ outcome: 'done', reason: 'storm_guard' });
        expect(row?.message).to.contain('1 of 20 creates now');
    });

    it('carries a paced group\'s schedule on from its last slot, if that is less than a window ago', async () => {
        const start = new TestClock().now();
        const { clock, compute, deps, store } = setup({ desired: 20, maxEntities: 20, createsNotBefore: new Date(start.getTime() - 2_000) }, { stormGuard });
        store.scaleUp = { wanting: 8, total: 10 };
        const result = await convergeGroup(deps, g1);
        expect(result.retryAt).to.equal(new Date(clock.now().getTime() + 6_000));    // the slot 8 s after the last one, not 8 s from now
        expect(compute.calls.filter((c) => c.startsWith('createServer'))).to.have.length(1);
    });

    it('counts never more groups wanting than there are', async () => {
        const { store, compute, deps } = setup({ desired: 3 }, { stormGuard });
        store.scaleUp = { wanting: 5, total: 1 };           // one group in the region: never a storm
        await convergeGroup(deps, g1);
        expect(compute.calls.filter((c) => c.startsWith('createServer'))).to.have.length(3);
    });
});
