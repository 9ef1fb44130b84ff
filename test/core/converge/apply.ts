// Apply (core/converge/apply.ts) against an in-memory store and Nova: the
// ledger is written before Nova is asked, every step leaves one activity row,
// a failed call is an outcome with its reason and never an exception, and no
// more calls are in flight than the concurrency allows.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { applyPlan as applyWith, type ApplyDeps } from '../../../core/converge/apply';
import type { Unwritten } from '../../../core/converge/unwritten';
import { DomainError } from '../../../core/model/errors';
import type { Plan, PlannedDelete, PlannedLeave } from '../../../core/converge/plan';
import { GroupId, LeaseGeneration, TenantId } from '../../../core/model/ids';
import type { ConvergenceSnapshot } from '../../../core/ports/convergence';
import { computeError, FakeCompute, FakeConvergenceStore, TestClock, ledgerEntry } from '../../support/fake-convergence';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const scope = { projectId: 't1', region: 'r1' };

// A pass whose plan holds throughout (the check's own tests are test/core/converge/plan-holds.ts).
const applyPlan = (deps: ApplyDeps, snap: ConvergenceSnapshot, at: typeof scope, plan: Plan) => applyWith(deps, snap, at, plan, () => Promise.resolve(true), LeaseGeneration(1));

// `failed`: the plan's failed members (what its first creates replace).
const plan = (steps: { create?: number; deletes?: PlannedDelete[]; leaves?: PlannedLeave[]; joins?: string[]; failed?: string[] }): Plan => ({
    outcome: 'act', create: steps.create ?? 0, deletes: steps.deletes ?? [], leaves: steps.leaves ?? [], joins: steps.joins ?? [], adopts: [], retires: [], orphans: [], holds: [],
    counts: null,
    members: (steps.failed ?? []).map((intentId) => ({ intentId, serverId: `s-${intentId}`, createdAt: new Date(0), condition: 'failed' as const, reason: 'error' as const, leaves: false }))
});

const setup = (options: { concurrency?: number; delayMs?: number } = {}) => {
    const clock = new TestClock();
    const store = new FakeConvergenceStore(clock);
    const compute = new FakeCompute(clock, options.delayMs ?? 0);
    const group = store.addGroup({ groupId: GroupId('g1'), tenantId: TenantId('t1'), desired: 3, launchServer: { name: 'web', flavorRef: '1' } });
    const deps: ApplyDeps = { store, compute, clock, concurrency: options.concurrency ?? 10 };
    const snap = (): ConvergenceSnapshot => ({ ...group, ledger: group.ledger.map(ledgerEntry) });
    // A ledger server of ours, in Nova too.
    const owned = (intentId: string, serverId: string) => {
        group.ledger.push({ intentId, serverId, state: 'active', createdAt: clock.now() });
        compute.add('t1', { id: serverId, metadata: { 'autoscale:group_id': 'g1', 'autoscale:intent_id': intentId } });
    };

    return { clock, store, compute, group, deps, snap, owned };
};

describe('applyPlan: workflows', () => {

    it('starts the launch workflow of each server the plan joins, with its stages both ways fixed from the group\'s workflow', async () => {
        const { store, compute, group, deps, snap, owned } = setup();
        owned('i1', 's1');
        group.ledger[0]!.state = 'building';
        group.workflow = { type: 'host', name: 'hooks' };
        const result = await applyPlan(deps, snap(), scope, plan({ joins: ['i1'] }));
        expect(result).to.equal({ failures: 0, created: 0, refusedBuilds: 0, groupError: null, retryAt: null, fenced: false });
        expect(store.calls).to.include('joinServers g1 i1:customer/customer');
        expect(compute.calls).to.equal([]);
        expect(group.ledger.map((e) => [e.state, e.leaves])).to.equal([['joining', true]]);
        expect(store.rows('g1').map((r) => [r.kind, r.outcome, r.reason, r.message])).to.equal([
            ['join', 'done', 'joining', 'Intent i1 is ACTIVE in Nova: its launch workflow (customer) starts']
        ]);
    });

    it('starts the terminate workflow of each server the plan leaves, and sends no delete', async () => {
        const { store, compute, group, deps, snap, owned } = setup();
        owned('i1', 's1');
        group.ledger[0]!.leaves = true;
        await applyPlan(deps, snap(), scope, plan({ leaves: [{ serverId: 's1', intentId: 'i1', reason: 'scale_down' }] }));
        expect(store.calls).to.include('leaveServers g1 i1:scale_down');
        expect(store.calls.filter((c) => c.startsWith('markDeleting'))).to.equal([]);
        expect(compute.calls).to.equal([]);
        expect(group.ledger.map((e) => [e.state, e.leaveReason])).to.equal([['leaving', 'scale_down']]);
        expect(store.rows('g1').map((r) => [r.kind, r.reason, r.message])).to.equal([
            ['leave', 'scale_down', 'Server s1 (scale_down) leaves through its terminate workflow before its delete']
        ]);
    });
});

describe('applyPlan: deletes', () => {

    it('marks ledger servers deleting before any delete is sent, then deletes each with a row', async () => {
        const { store, compute, group, deps, snap, owned } = setup();
        owned('i1', 's1');
        owned('i2', 's2');
        const result = await applyPlan(deps, snap(), scope, plan({ deletes: [
            { serverId: 's1', intentId: 'i1', reason: 'scale_down' },
            { serverId: 's2', intentId: 'i2', reason: 'error' }
        ] }));

        expect(result).to.equal({ failures: 0, created: 0, refusedBuilds: 0, groupError: null, retryAt: null, fenced: false });
        expect(store.calls[0]).to.equal('markDeleting i1,i2');                 // before Nova heard of it
        expect(compute.calls).to.equal(['deleteServer t1 s1', 'deleteServer t1 s2']);
        expect(group.ledger.map((e) => e.state)).to.equal(['deleting', 'deleting']);
        expect(store.rows('g1').map((r) => [r.kind, r.outcome, r.reason, r.message])).to.equal([
            ['delete', 'done', 'scale_down', 'Deleting server s1 (scale_down)'],
            ['delete', 'done', 'error', 'Deleting server s2 (error)']
        ]);
        expect(store.rows('g1')[0]).to.include({ source: 'converger', who: 'converger', desiredBefore: 3, desiredAfter: 3 });
    });

    it('retires the intent of a server Nova says is already gone; an orphan has no intent to retire', async () => {
        const { store, deps, snap, group } = setup();
        group.ledger.push({ intentId: 'i1', serverId: 's1', state: 'active', createdAt: new Date(0) });
        const result = await applyPlan(deps, snap(), scope, plan({ deletes: [
            { serverId: 's1', intentId: 'i1', reason: 'scale_down' },       // not in Nova: 404
            { serverId: 'o1', intentId: null, reason: 'orphan' }             // not in Nova either
        ] }));

        expect(result.failures).to.equal(0);
        expect(store.calls.filter((c) => c.startsWith('markDeleting'))).to.equal(['markDeleting i1']);   // orphans are not in the ledger
        expect(store.retired).to.equal([{ intentId: 'i1', reason: 'scale_down' }]);
        expect(group.ledger).to.equal([]);
        expect(store.rows('g1').map((r) => r.message)).to.equal([
            'Deleting server s1 (scale_down): already gone',
            'Deleting server o1 (orphan): already gone'
        ]);
    });

    it('marks nothing when only orphans are deleted, yet asks the fence before sending their deletes', async () => {
        const { store, compute, deps, snap } = setup();
        compute.add('t1', { id: 'o1' });
        await applyPlan(deps, snap(), scope, plan({ deletes: [{ serverId: 'o1', intentId: null, reason: 'orphan' }] }));
        expect(store.calls.filter((c) => c.startsWith('markDeleting'))).to.equal(['markDeleting ']);
        expect(store.retired).to.equal([]);
        expect(compute.servers.get('t1')).to.equal([]);
    });

    it('records a failed delete with the compute error kind as its reason, and counts it', async () => {
        const { store, compute, deps, snap, owned } = setup();
        owned('i1', 's1');
        owned('i2', 's2');
        compute.failNext('deleteServer', computeError('server_error'));
        const result = await applyPlan(deps, snap(), scope, plan({ deletes: [
            { serverId: 's1', intentId: 'i1', reason: 'scale_down' },
            { serverId: 's2', intentId: 'i2', reason: 'scale_down' }
        ] }));

        expect(result.failures).to.equal(1);
        expect(store.rows('g1').map((r) => [r.outcome, r.reason, r.message])).to.equal([
            ['failed', 'server_error', 'Delete of server s1 (scale_down) failed: Nova said server_error'],
            ['done', 'scale_down', 'Deleting server s2 (scale_down)']
        ]);
        expect(store.retired).to.equal([]);
    });

    it('lets an error that is not a ComputeError escape a delete: a bug is not an outcome', async () => {
        const { compute, deps, snap, owned } = setup();
        owned('i1', 's1');
        compute.failNext('deleteServer', new TypeError('bug'));
        await expect(applyPlan(deps, snap(), scope, plan({ deletes: [{ serverId: 's1', intentId: 'i1', reason: 'scale_down' }] }))).to.reject(TypeError, 'bug');
    });
});

describe('applyPlan: creates', () => {

    it('writes the intents first, then creates each with our name and metadata, replacements before growth', async () => {
        const { store, compute, group, deps, snap, owned } = setup();
        owned('i0', 's0');
        const result = await applyPlan(deps, snap(), scope, plan({
            create: 3,
            deletes: [{ serverId: 's0', intentId: 'i0', reason: 'error' }],
            failed: ['i0']
        }));

        expect(result).to.equal({ failures: 0, created: 3, refusedBuilds: 0, groupError: null, retryAt: null, fenced: false });
        expect(store.calls.findIndex((c) => c.startsWith('writeIntents g1 3'))).to.be.below(store.calls.findIndex((c) => c.startsWith('setServerIds')));
        const made = compute.servers.get('t1') ?? [];
        expect(made.map((s) => s.id)).to.equal(['s1', 's2', 's3']);
        for (const server of made) {
            const intentId = server.metadata['autoscale:intent_id'];
            expect(server.metadata['autoscale:group_id']).to.equal('g1');
            expect(group.ledger.find((e) => e.intentId === intentId)).to.include({ serverId: server.id, state: 'building' });
            expect(server.name).to.match(/^web-as[0-9a-f]{8}$/);
        }

        const creates = store.rows('g1').filter((r) => r.kind === 'create');
        expect(creates.map((r) => r.reason).sort()).to.equal(['replace', 'scale_up', 'scale_up']);
        expect(creates.every((r) => r.outcome === 'done' && /^Creating server s\d \(intent .+\)$/.test(r.message))).to.be.true();
        expect(store.calls.filter((c) => c.startsWith('recordActivity'))).to.equal(['recordActivity g1 4']);   // one write for all rows
    });

    it('writes no intent when the plan creates nothing', async () => {
        const { store, deps, snap } = setup();
        const result = await applyPlan(deps, snap(), scope, plan({}));
        expect(result.created).to.equal(0);
        expect(store.calls).to.equal(['recordActivity g1 0']);
    });

    it('retires the intent of a create Nova refused outright; a timeout or a 5xx may have landed and keeps it', async () => {
        const { store, compute, group, deps, snap } = setup({ concurrency: 1 });
        compute.failNext('createServer', computeError('bad_request'), computeError('timeout'), computeError('server_error'), computeError('breaker_open'));
        const result = await applyPlan(deps, snap(), scope, plan({ create: 4 }));

        expect(result).to.include({ failures: 4, created: 0, refusedBuilds: 1, groupError: 'Nova said bad_request', retryAt: null });
        expect(store.retired.map((r) => r.reason)).to.equal(['create_bad_request', 'create_breaker_open']);
        expect(group.ledger.map((e) => e.state)).to.equal(['intent', 'intent']);     // timeout and server_error: to be adopted or retired later
        expect(store.rows('g1').map((r) => [r.kind, r.outcome, r.reason])).to.equal([
            ['create', 'failed', 'bad_request'], ['create', 'failed', 'timeout'], ['create', 'failed', 'server_error'], ['create', 'failed', 'breaker_open']
        ]);
    });

    it('sends nothing more once the pass no longer holds: the rest of its creates retired unsent, its deletes left marked, one row saying so', async () => {
        const { store, compute, deps, snap, owned } = setup({ concurrency: 1 });
        owned('i1', 's1');
        owned('i2', 's2');
        const answers = [true, false, true, false, false];
        const result = await applyWith(deps, snap(), scope, plan({ create: 3, deletes: [
            { serverId: 's1', intentId: 'i1', reason: 'scale_down' }, { serverId: 's2', intentId: 'i2', reason: 'scale_down' }
        ] }), () => Promise.resolve(answers.shift() ?? false), LeaseGeneration(1));
        expect(result).to.include({ failures: 0, created: 1 });
        expect(compute.calls.map((c) => c.split(' ')[0])).to.equal(['deleteServer', 'createServer']);
        expect(compute.calls[0]).to.equal('deleteServer t1 s1');
        expect(store.retired.map((r) => r.reason)).to.equal(['create_replanned', 'create_replanned']);
        expect(store.rows('g1').map((r) => [r.kind, r.outcome, r.reason])).to.equal([
            ['delete', 'done', 'scale_down'], ['create', 'done', 'scale_up'], ['hold', 'done', 'replanned']
        ]);
        expect(store.rows('g1')[2]?.message).to.startWith('2 create(s) and 1 delete(s) not sent');
    });

    it('records and sends nothing once the lease changed hands before its first step: fenced, one row saying so', async () => {
        const { store, compute, group, deps, snap, owned } = setup();
        owned('i1', 's1');
        owned('i2', 's2');
        owned('i3', 's3');
        store.generation = LeaseGeneration(2);      // taken over since the run planned under generation 1
        const result = await applyWith(deps, snap(), scope, plan({
            create: 2, joins: ['i2'], leaves: [{ serverId: 's3', intentId: 'i3', reason: 'scale_down' }], deletes: [{ serverId: 's1', intentId: 'i1', reason: 'scale_down' }]
        }), () => Promise.resolve(true), LeaseGeneration(1));
        expect(result).to.include({ fenced: true, created: 0, failures: 0 });
        expect(compute.calls).to.equal([]);
        expect(group.ledger.map((e) => e.state)).to.equal(['active', 'active', 'active']);
        expect(store.calls.some((c) => /^(writeIntents|joinServers|leaveServers)/.test(c))).to.be.false();
        expect(store.rows('g1').map((r) => [r.kind, r.reason])).to.equal([['hold', 'replanned']]);
        expect(store.rows('g1')[0]?.message).to.startWith('2 create(s) and 1 delete(s) not sent');
    });

    it('writes no intent and sends no create when the lease changed hands after its deletes', async () => {
        const { store, compute, group, deps, snap, owned } = setup();
        owned('i1', 's1');
        // The delete is recorded and sent under generation 1; the lease then changes hands.
        const deleting = compute.deleteServer.bind(compute);
        compute.deleteServer = async (...args) => {
            store.generation = LeaseGeneration(2);
            return deleting(...args);
        };
        const result = await applyWith(deps, snap(), scope, plan({ create: 2, deletes: [{ serverId: 's1', intentId: 'i1', reason: 'scale_down' }] }),
            () => Promise.resolve(true), LeaseGeneration(1));
        expect(result).to.include({ fenced: true, created: 0 });
        expect(compute.calls).to.equal(['deleteServer t1 s1']);
        expect(group.ledger.map((e) => e.intentId)).to.equal(['i1']);
        expect(store.rows('g1').map((r) => [r.kind, r.reason])).to.equal([['delete', 'scale_down'], ['hold', 'replanned']]);
        expect(store.rows('g1')[1]?.message).to.startWith('2 create(s) and 0 delete(s) not sent');
    });

    it('with the database away, keeps the intents it never sent for later, waits for every create it started and writes its id, then throws', async () => {
        const { store, compute, group, deps, snap } = setup({ concurrency: 3, delayMs: 1 });
        const outage = new DomainError('unavailable', 'ServiceUnavailableError', 'The database cannot be reached');
        const kept: string[] = [];
        const unwritten: Unwritten = { lease: () => undefined, unsent: (intentId, reason) => kept.push(`${intentId} ${reason}`), write: () => Promise.resolve() };
        store.retireIntent = () => Promise.reject(outage);
        compute.failNext('createServer', computeError('held'));       // the creation budget unknown: nothing sent
        let looks = 0;
        // The second create's look at the group fails; the others hold.
        const holds = () => (++looks === 2 ? Promise.reject(outage) : Promise.resolve(true));
        await expect(applyWith({ ...deps, unwritten }, snap(), scope, plan({ create: 3 }), holds, LeaseGeneration(1))).to.reject(DomainError);
        const [first, second, third] = group.ledger;
        expect(kept.sort()).to.equal([`${first?.intentId} create_held`, `${second?.intentId} create_replanned`].sort());
        expect(compute.calls).to.equal(['createServer t1', 'createServer t1']);
        expect(third).to.include({ serverId: 's1', state: 'building' });   // sent after the others had failed, and written
    });

    it('a quota refusal is the group\'s fault too: an error for its status and a failed build', async () => {
        const { compute, deps, snap } = setup();
        compute.failNext('createServer', computeError('quota'), computeError('quota'));
        const result = await applyPlan(deps, snap(), scope, plan({ create: 3 }));
        expect(result).to.include({ failures: 2, created: 1, refusedBuilds: 2, groupError: 'Nova said quota' });
    });

    it('answers the soonest time a held or rate-limited call may be tried again', async () => {
        const { clock, compute, deps, snap } = setup();
        compute.failNext('createServer', computeError('over_limit', 30), computeError('held', 10), computeError('unavailable'));
        const result = await applyPlan(deps, snap(), scope, plan({ create: 3 }));
        expect(result.failures).to.equal(3);
        expect(result.retryAt).to.equal(new Date(clock.now().getTime() + 10_000));
    });

    it('lets an error that is not a ComputeError escape a create', async () => {
        const { compute, deps, snap } = setup();
        compute.failNext('createServer', new RangeError('bug'));
        await expect(applyPlan(deps, snap(), scope, plan({ create: 1 }))).to.reject(RangeError, 'bug');
    });

    it('never has more calls in flight than its concurrency, deletes and creates alike', async () => {
        for (const concurrency of [1, 3]) {
            const { compute, deps, snap, owned } = setup({ concurrency, delayMs: 1 });
            for (let i = 0; i < 5; i++) {
                owned(`i${i}`, `old${i}`);
            }

            const result = await applyPlan(deps, snap(), scope, plan({
                create: 7,
                deletes: Array.from({ length: 5 }, (_, i) => ({ serverId: `old${i}`, intentId: `i${i}`, reason: 'scale_down' as const }))
            }));
            expect(result).to.include({ failures: 0, created: 7 });
            expect(compute.maxInFlight, `concurrency ${concurrency}`).to.equal(concurrency);
        }
    });
});
