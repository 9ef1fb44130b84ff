// The sweep's triage (core/converge/sweep.ts triage): one listing per tenant
// project for all of its groups on the page, steady groups end there and the
// rest are handed back for a full run; and isSteady's own contract, for any
// plan it is given.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type { Plan } from '../../../core/converge/plan';
import type { ConvergerDeps } from '../../../core/converge/run';
import { isSteady, triage } from '../../../core/converge/sweep';
import { GroupId, TenantId } from '../../../core/model/ids';
import type { NovaServer } from '../../../core/model/server';
import type { ConvergenceSnapshot } from '../../../core/ports/convergence';
import { computeError, FakeCompute, FakeConvergenceStore, TestClock } from '../../support/fake-convergence';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const clock = new TestClock();
// A turn of the event loop, counted: one per project, after its listing and before its planning.
let turns = 0;
const turn = (): Promise<void> => {
    turns++;
    return Promise.resolve();
};
const hourAgo = new Date(clock.now().getTime() - 3_600_000);

const setup = () => {
    const store = new FakeConvergenceStore(clock);
    const compute = new FakeCompute(clock);
    const deps: ConvergerDeps = {
        store, compute, clock, holder: 'sweep', region: null, buildTimeoutS: 600, orphanGraceS: 3600, leaseTtlMs: 120_000, maxPasses: 5, concurrency: 10
    };
    // A group of `n` servers in `tenant`, each in the ledger and in Nova with `status`.
    const group = (id: string, tenant: string, n: number, status = 'ACTIVE', extra: Partial<ConvergenceSnapshot> = {}): ConvergenceSnapshot => {
        const ledger = Array.from({ length: n }, (_, i) => ({ intentId: `${id}-i${i}`, serverId: `${id}-s${i}`, state: 'active' as const, createdAt: hourAgo }));
        for (const e of ledger) {
            compute.add(tenant, { id: e.serverId, status, created: hourAgo, metadata: { 'autoscale:group_id': id, 'autoscale:intent_id': e.intentId } });
        }

        return {
            groupId: GroupId(id), tenantId: TenantId(tenant), desired: n, maxEntities: 10, paused: false, status: 'ACTIVE', launchServer: {},
            workflow: { type: 'builtin' }, loadBalancers: [], drainingTimeoutS: 0, memberStages: [], ledger, orphans: [], killSwitches: [], buildFailures: 0, createsNotBefore: null, ...extra
        };
    };

    return { compute, deps, group };
};

describe('triage', () => {

    it('lists each tenant project once for its groups, ends the steady ones and hands back the rest', async () => {
        const { compute, deps, group } = setup();
        const page = [
            group('a1', 't1', 2),                               // plainly steady
            group('a2', 't1', 1, 'REBOOT'),                     // steady, seen by the full plan only
            group('a3', 't1', 1, 'ACTIVE', { desired: 2 }),     // wants a server
            group('b1', 't2', 0),
            group('c1', 't3', 1, 'ACTIVE', { status: 'ERROR' }) // converged, but its status needs the run
        ];
        const result = await triage(deps, page, turn);

        expect(compute.calls).to.equal(['listServers t1', 'listServers t2', 'listServers t3']);
        expect(result.steady.map((r) => [r.groupId, r.outcome, r.passes, r.plan === null])).to.equal([
            ['a1', 'done', 1, true], ['a2', 'done', 1, false], ['b1', 'done', 1, true]
        ]);
        expect(result.unsettled).to.equal(['a3', 'c1']);
    });

    it('hands back every group of a project whose listing failed', async () => {
        const { compute, deps, group } = setup();
        const page = [group('a1', 't1', 1), group('a2', 't1', 1), group('b1', 't2', 1)];
        compute.failNext('listServers', computeError('unavailable'));
        const result = await triage(deps, page, turn);
        expect(result.unsettled).to.equal(['a1', 'a2']);
        expect(result.steady.map((r) => r.groupId)).to.equal(['b1']);
    });

    it('a project seen again after another is listed again: projects are consecutive runs of the page', async () => {
        const { compute, deps, group } = setup();
        const before = turns;
        await triage(deps, [group('a1', 't1', 1), group('b1', 't2', 1), group('a2', 't1', 1)], turn);
        expect(compute.calls).to.equal(['listServers t1', 'listServers t2', 'listServers t1']);
        expect(turns - before).to.equal(3);
    });

    it('an empty page lists nothing', async () => {
        const { compute, deps } = setup();
        expect(await triage(deps, [], turn)).to.equal({ steady: [], unsettled: [] });
        expect(compute.calls).to.equal([]);
    });

    it('fails when a listing fails with something other than a ComputeError, even the one sent ahead', async () => {
        const { compute, deps, group } = setup();
        compute.failNext('listServers', new Error('bug'));
        await expect(triage(deps, [group('a1', 't1', 1)], turn)).to.reject(Error, 'bug');

        const second = setup();
        const page = [second.group('a1', 't1', 1), second.group('b1', 't2', 1)];
        second.compute.failNext('listServers', computeError('timeout'), new Error('bug 2'));
        await expect(triage(second.deps, page, turn)).to.reject(Error, 'bug 2');
    });
});

describe('isSteady', () => {

    const server = (id: string, intentId: string): NovaServer => ({
        id, name: id, status: 'ACTIVE', taskState: null, addresses: [], created: hourAgo, metadata: { 'autoscale:group_id': 'g1', 'autoscale:intent_id': intentId }
    });
    const snap: ConvergenceSnapshot = {
        groupId: GroupId('g1'), tenantId: TenantId('t1'), desired: 1, maxEntities: 10, paused: false, status: 'ACTIVE', launchServer: {},
        workflow: { type: 'builtin' }, loadBalancers: [], drainingTimeoutS: 0, memberStages: [], ledger: [{ intentId: 'i1', serverId: 's1', state: 'active', createdAt: hourAgo }], orphans: [], killSwitches: [], buildFailures: 0, createsNotBefore: null
    };
    const listing = { kind: 'known' as const, servers: [server('s1', 'i1')] };
    const done: Plan = {
        outcome: 'done', create: 0, deletes: [], leaves: [], joins: [], adopts: [], retires: [], orphans: [], holds: [],
        counts: { active: 1, pending: 0, failed: 0, going: 0, orphans: 0 }, members: [{ intentId: 'i1', createdAt: hourAgo, condition: 'active', serverId: 's1', leaves: false }]
    };

    it('is steady for a done plan that would write nothing', () => {
        expect(isSteady(snap, listing, done)).to.be.true();
    });

    // Whatever plan it is handed: anything the observation would write is not steady.
    it('is not steady when the plan is not done, the status is not ACTIVE, or the observation would write anything', () => {
        const cases: [string, ConvergenceSnapshot, Plan][] = [
            ['plan waits', snap, { ...done, outcome: 'wait' }],
            ['status ERROR', { ...snap, status: 'ERROR' }, done],
            ['an adoption', snap, { ...done, adopts: [{ intentId: 'i2', serverId: 's2' }] }],
            ['a retirement', snap, { ...done, retires: [{ intentId: 'i2', reason: 'vanished' }] }],
            ['a ledger state moves', { ...snap, ledger: [{ ...snap.ledger[0]!, state: 'building' }] }, done],
            ['a hold to record', snap, { ...done, holds: [{ reason: 'paused', message: 'm', withheld: { create: 0, deletes: 0 } }] }],
            ['a new orphan', snap, { ...done, orphans: [{ serverId: 'o1', since: hourAgo }] }],
            ['orphans to forget', { ...snap, orphans: [{ serverId: 'o1', since: hourAgo }] }, done],
            ['other orphans', { ...snap, orphans: [{ serverId: 'o1', since: hourAgo }] }, { ...done, orphans: [{ serverId: 'o2', since: hourAgo }] }],
            ['a known orphan first seen at another time', { ...snap, orphans: [{ serverId: 'o1', since: hourAgo }, { serverId: 'o2', since: hourAgo }] },
                { ...done, orphans: [{ serverId: 'o2', since: hourAgo }, { serverId: 'o1', since: new Date(hourAgo.getTime() + 1) }] }]
        ];
        for (const [name, s, plan] of cases) {
            expect(isSteady(s, listing, plan), name).to.be.false();
        }
    });

    it('is steady with the orphans it already knows (in any order), and keeps them on an unknown listing', () => {
        const orphans = [{ serverId: 'o1', since: hourAgo }];
        expect(isSteady({ ...snap, orphans }, listing, { ...done, orphans })).to.be.true();
        const two = [{ serverId: 'o1', since: hourAgo }, { serverId: 'o2', since: hourAgo }];
        expect(isSteady({ ...snap, orphans: two }, listing, { ...done, orphans: [...two].reverse() })).to.be.true();
        expect(isSteady({ ...snap, orphans }, { kind: 'unknown', reason: 'down' }, done)).to.be.true();
    });
});
