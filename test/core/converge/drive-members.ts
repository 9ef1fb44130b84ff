// The members stage inside the converger's run (core/converge/drive-members.ts
// and run.ts) against an in-memory store, Nova and Octavia: what ends a stage
// and what the run makes of it, what holds it, and when the run comes back.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { LIST_AT } from '../../../core/converge/drive-members';
import { convergeGroup, type ConvergerDeps } from '../../../core/converge/run';
import { GroupId, TenantId } from '../../../core/model/ids';
import { LoadBalancerError } from '../../../core/model/load-balancer';
import type { MemberTarget } from '../../../core/model/load-balancer';
import type { ServerAddress } from '../../../core/model/server';
import type { WorkflowConfig } from '../../../core/model/workflow';
import type { LoadBalancerMembers, LoadBalancerScope, MemberSpec, PoolMember } from '../../../core/ports/load-balancers';
import { computeError, FakeCompute, FakeConvergenceStore, TestClock, type FakeGroup } from '../../support/fake-convergence';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const g1 = GroupId('g1');
const P1 = 'p1';

type Method = 'poolsOf' | 'checkPool' | 'createMember' | 'showMember' | 'listMembers' | 'setWeight' | 'deleteMember' | 'subnetCidr';

// Octavia in miniature: pools of members, load balancers of pools, subnets; failures on cue.
class FakeOctavia implements LoadBalancerMembers {
    readonly pools = new Map<string, PoolMember[]>([[P1, []]]);
    readonly loadBalancers = new Map<string, string[]>();
    readonly subnets = new Map<string, string>([['s1', '10.1.0.0/24']]);
    readonly calls: string[] = [];
    private readonly failures = new Map<Method, Error[]>();
    private next = 1;

    failNext(method: Method, ...errors: Error[]): void {
        this.failures.set(method, [...(this.failures.get(method) ?? []), ...errors]);
    }

    async poolsOf(_scope: LoadBalancerScope, loadBalancerId: string): Promise<readonly string[]> {
        this.reach('poolsOf', loadBalancerId);
        return this.loadBalancers.get(loadBalancerId) ?? [];
    }

    async checkPool(_scope: LoadBalancerScope, poolId: string): Promise<void> {
        this.reach('checkPool', poolId);
    }

    async createMember(scope: LoadBalancerScope, poolId: string, spec: MemberSpec): Promise<{ readonly id: string }> {
        this.reach('createMember', `${poolId} ${spec.address}:${spec.protocolPort}`);
        const id = `m${this.next++}`;
        this.pools.get(poolId)?.push({
            id, name: spec.name, address: spec.address, protocolPort: spec.protocolPort, subnetId: spec.subnetId ?? null, weight: spec.weight ?? 1,
            provisioningStatus: 'ACTIVE', operatingStatus: 'NO_MONITOR', projectId: scope.projectId
        });
        return { id };
    }

    async showMember(_scope: LoadBalancerScope, poolId: string, memberId: string): Promise<PoolMember | null> {
        this.reach('showMember', memberId);
        return this.pools.get(poolId)?.find((m) => m.id === memberId) ?? null;
    }

    async listMembers(_scope: LoadBalancerScope, poolId: string): Promise<readonly PoolMember[]> {
        this.reach('listMembers', poolId);
        return this.pools.get(poolId) ?? [];
    }

    async setWeight(_scope: LoadBalancerScope, poolId: string, memberId: string, weight: number): Promise<'updated' | 'gone'> {
        this.reach('setWeight', `${memberId} ${weight}`);
        const members = this.pools.get(poolId) ?? [];
        const found = members.findIndex((m) => m.id === memberId);
        if (found < 0) {
            return 'gone';
        }

        members[found] = { ...members[found] as PoolMember, weight };
        return 'updated';
    }

    async deleteMember(_scope: LoadBalancerScope, poolId: string, memberId: string): Promise<'deleting' | 'gone'> {
        this.reach('deleteMember', memberId);
        const members = this.pools.get(poolId) ?? [];
        const before = members.length;
        this.pools.set(poolId, members.filter((m) => m.id !== memberId));
        return before === members.filter((m) => m.id !== memberId).length ? 'gone' : 'deleting';
    }

    async subnetCidr(_scope: LoadBalancerScope, subnetId: string): Promise<string | null> {
        this.reach('subnetCidr', subnetId);
        return this.subnets.get(subnetId) ?? null;
    }

    private reach(method: Method, detail: string): void {
        this.calls.push(`${method} ${detail}`);
        const failure = this.failures.get(method)?.shift();
        if (failure) {
            throw failure;
        }
    }
}

const lbError = (kind: LoadBalancerError['kind']): LoadBalancerError => new LoadBalancerError(kind, `octavia: ${kind}`);
const fixed = (addr: string): ServerAddress => ({ network: 'public', addr, version: 4, type: 'fixed' });

const setup = (loadBalancers: readonly MemberTarget[], group: Partial<FakeGroup> = {}, deps: Partial<ConvergerDeps> = {}) => {
    const clock = new TestClock();
    const store = new FakeConvergenceStore(clock);
    const compute = new FakeCompute(clock);
    const octavia = new FakeOctavia();
    const fake = store.addGroup({ groupId: g1, tenantId: TenantId('t1'), loadBalancers, ...group });
    const converger: ConvergerDeps = {
        store, compute, clock, holder: 'run-1', region: 'r1', buildTimeoutS: 600, orphanGraceS: 3600, leaseTtlMs: 120_000, maxPasses: 5, concurrency: 10,
        members: octavia, ...deps
    };
    // A server of ours, ACTIVE in Nova, still building in the ledger: it joins now.
    const built = (intentId: string, serverId: string, addresses: ServerAddress[] = [fixed('10.1.0.7')]) => {
        fake.ledger.push({ intentId, serverId, state: 'building', createdAt: clock.now() });
        compute.add('t1', { id: serverId, name: `web-${serverId}`, addresses, metadata: { 'autoscale:group_id': 'g1', 'autoscale:intent_id': intentId } });
    };

    return { clock, store, compute, octavia, group: fake, deps: converger, built };
};

const states = (group: FakeGroup): string[] => group.ledger.map((e) => e.state);

describe('convergeGroup: the members stage', () => {

    it('joins a server to its pool in the subnet named, and puts it in service in the same run', async () => {
        const { store, octavia, group, deps, built } = setup([{ poolId: P1, port: 80, subnetId: 's1' }], { desired: 1 });
        built('i1', 's1', [fixed('10.0.0.3'), fixed('10.1.0.7')]);
        const result = await convergeGroup(deps, g1);
        expect(result.outcome).to.equal('done');
        expect(octavia.calls).to.equal(['subnetCidr s1', 'checkPool p1', 'createMember p1 10.1.0.7:80', 'showMember m1']);
        expect(states(group)).to.equal(['active']);
        expect(store.rows(g1).filter((r) => r.kind.startsWith('member_') || r.kind.startsWith('workflow_')).map((r) => [r.kind, r.reason])).to.equal([
            ['member_create', 'joining'], ['workflow_launch', 'in_service']
        ]);
    });

    it('checks a pool\'s owner once a pass for all its creates, and again after a failed check', async () => {
        const { octavia, group, deps, built } = setup([{ poolId: P1, port: 80 }], { desired: 3 });
        built('i1', 's1');
        built('i2', 's2');
        built('i3', 's3');
        octavia.failNext('checkPool', lbError('busy'));
        await convergeGroup(deps, g1);
        expect(octavia.calls).to.equal(['checkPool p1']);      // nothing created in a pool not known to be the project's
        expect(states(group)).to.equal(['joining', 'joining', 'joining']);
        await convergeGroup(deps, g1);
        expect(octavia.calls.filter((c) => c.startsWith('checkPool'))).to.equal(['checkPool p1', 'checkPool p1']);
        expect(octavia.calls.filter((c) => c.startsWith('createMember'))).to.have.length(3);
        expect(states(group)).to.equal(['active', 'active', 'active']);
    });

    it('answers a round\'s many looks at a pool with one listing of it, a few with a look each', async () => {
        const many = setup([{ poolId: P1, port: 80 }], { desired: LIST_AT });
        for (let i = 1; i <= LIST_AT; i++) {
            many.built(`i${i}`, `s${i}`, [fixed(`10.1.0.${i}`)]);
        }

        expect((await convergeGroup(many.deps, g1)).outcome).to.equal('done');
        expect(many.octavia.calls.filter((c) => c.startsWith('createMember'))).to.have.length(LIST_AT);
        expect(many.octavia.calls.filter((c) => !c.startsWith('createMember'))).to.equal(['checkPool p1', 'listMembers p1']);
        expect(states(many.group)).to.equal(Array.from({ length: LIST_AT }, () => 'active'));

        const few = setup([{ poolId: P1, port: 80 }], { desired: LIST_AT - 1 });
        for (let i = 1; i < LIST_AT; i++) {
            few.built(`i${i}`, `s${i}`, [fixed(`10.1.0.${i}`)]);
        }

        expect((await convergeGroup(few.deps, g1)).outcome).to.equal('done');
        expect(few.octavia.calls.filter((c) => c.startsWith('showMember'))).to.have.length(LIST_AT - 1);
        expect(few.octavia.calls.filter((c) => c.startsWith('listMembers'))).to.equal([]);
    });

    it('takes a member the listing does not show for gone (created again), and looks one by one when the listing fails', async () => {
        const { octavia, group, deps, built } = setup([{ poolId: P1, port: 80 }], { desired: LIST_AT });
        for (let i = 1; i <= LIST_AT; i++) {
            built(`i${i}`, `s${i}`, [fixed(`10.1.0.${i}`)]);
        }

        const list = octavia.listMembers.bind(octavia);
        let listings = 0;
        octavia.listMembers = async (scope, poolId) => {
            const members = await list(scope, poolId);
            return ++listings === 1 ? members.filter((m) => m.address !== '10.1.0.3') : members;
        };
        expect((await convergeGroup(deps, g1)).outcome).to.equal('done');
        expect(octavia.calls.filter((c) => c.startsWith('createMember p1 10.1.0.3'))).to.have.length(2);
        expect(states(group)).to.equal(Array.from({ length: LIST_AT }, () => 'active'));

        const failing = setup([{ poolId: P1, port: 80 }], { desired: LIST_AT });
        for (let i = 1; i <= LIST_AT; i++) {
            failing.built(`i${i}`, `s${i}`, [fixed(`10.1.0.${i}`)]);
        }

        failing.octavia.failNext('listMembers', lbError('server_error'));
        expect((await convergeGroup(failing.deps, g1)).outcome).to.equal('done');
        expect(failing.octavia.calls.filter((c) => c.startsWith('listMembers'))).to.have.length(1);
        expect(failing.octavia.calls.filter((c) => c.startsWith('showMember'))).to.have.length(LIST_AT);
        expect(states(failing.group)).to.equal(Array.from({ length: LIST_AT }, () => 'active'));

        const broken = setup([{ poolId: P1, port: 80 }], { desired: LIST_AT });
        for (let i = 1; i <= LIST_AT; i++) {
            broken.built(`i${i}`, `s${i}`, [fixed(`10.1.0.${i}`)]);
        }

        broken.octavia.failNext('listMembers', new Error('a bug'));
        await expect(convergeGroup(broken.deps, g1)).to.reject(Error, 'a bug');
    });

    it('lists Nova again within a run only after something was sent to it', async () => {
        const joined = setup([{ poolId: P1, port: 80 }], { desired: 1 });
        joined.built('i1', 's1');
        expect((await convergeGroup(joined.deps, g1)).outcome).to.equal('done');
        // The join and the members stage moved the ledger alone: every pass plans on the first listing.
        expect(joined.compute.calls.filter((c) => c.startsWith('listServers'))).to.have.length(1);

        const grown = setup([{ poolId: P1, port: 80 }], { desired: 2 });
        grown.built('i1', 'sa');
        expect((await convergeGroup(grown.deps, g1)).outcome).to.equal('wait');
        // Pass 1 lists, joins one and creates one; pass 2 lists again (the create), the members stage ends; pass 3 plans on that listing.
        expect(grown.compute.calls.filter((c) => c.startsWith('listServers'))).to.have.length(2);
        expect(states(grown.group)).to.equal(['active', 'building']);
    });

    it('leaves through weight 0, the drain and the delete before the server\'s delete, and comes back when the drain is over', async () => {
        const { clock, compute, octavia, group, deps, built } = setup([{ poolId: P1, port: 80 }], { desired: 1, drainingTimeoutS: 30 });
        built('i1', 's1');
        await convergeGroup(deps, g1);
        group.desired = 0;
        const drain = await convergeGroup(deps, g1);
        expect([drain.outcome, drain.retryAt]).to.equal(['wait', new Date(clock.now().getTime() + 30_000)]);
        expect(octavia.calls.slice(-1)).to.equal(['setWeight m1 0']);
        expect(compute.calls.filter((c) => c.startsWith('deleteServer'))).to.equal([]);

        clock.advance(30_000);
        expect((await convergeGroup(deps, g1)).outcome).to.equal('done');
        expect(octavia.calls.slice(-2)).to.equal(['deleteMember m1', 'showMember m1']);
        expect(compute.calls.filter((c) => c.startsWith('deleteServer'))).to.equal(['deleteServer t1 s1']);
    });

    it('goes on to the customer\'s stage after the members on terminate (a host workflow), comes back without a drain time while builds are on their way', async () => {
        const hooks: WorkflowConfig = { type: 'host', name: 'hooks' };
        const { octavia, store, group, deps, built } = setup([{ poolId: P1, port: 80 }], { desired: 1, workflow: hooks, drainingTimeoutS: 10 });
        built('i1', 's1');
        await convergeGroup(deps, g1);
        expect(states(group)).to.equal(['joining']);      // the customer's stage runs first
        store.endWorkflow('i1', { outcome: 'continue', reason: null });
        (group.ledger[0] as { state: string }).state = 'active';
        Object.assign(group.ledger[0] as object, { leaves: true });
        group.memberStages = [{ intentId: 'i1', serverId: 's1', event: 'terminate', stageIndex: 0, last: false, detail: { targets: [], drainingTimeoutS: 10, members: [{ poolId: P1, port: 80, address: '10.1.0.7', name: 'w', id: 'mX', status: 'ACTIVE' }] } }];
        octavia.pools.set(P1, []);
        group.desired = 2;
        const result = await convergeGroup(deps, g1);
        expect(result.retryAt).to.be.null();                // a build is on its way: the recheck's pace
        expect(octavia.calls.slice(-1)).to.equal(['setWeight mX 0']);
        expect(group.memberStages).to.equal([]);            // gone already: the stage ended, the customer's is next
        expect(store.rows(g1).filter((r) => r.kind === 'workflow_terminate').map((r) => r.reason)).to.equal(['leaving']);
    });

    it('abandons a launch whose pool is gone: a failed build, the group ERROR naming the pool; the next server in service clears it', async () => {
        const { octavia, store, group, deps, built } = setup([{ poolId: P1, port: 80 }], { desired: 1 }, { backoff: { baseMs: 1000, capMs: 10_000 } });
        built('i1', 's1');
        octavia.failNext('createMember', lbError('pool_gone'));
        const result = await convergeGroup(deps, g1);
        expect(group.status).to.equal('ERROR');
        expect(store.calls.filter((c) => c.startsWith('setGroupError'))[0]).to.contain('Pool p1: octavia: pool_gone');
        expect(group.buildFailures).to.equal(1);
        expect(store.rows(g1).filter((r) => r.kind === 'workflow_launch').map((r) => [r.outcome, r.reason])).to.equal([['failed', 'load_balancer']]);
        expect(result.plan?.leaves.map((l) => l.reason)).to.equal(['load_balancer']);

        // A refused terminate ends abandon too: the delete goes on.
        octavia.failNext('setWeight', lbError('refused'));
        group.memberStages = group.memberStages.map((m) => ({ ...m, detail: { ...m.detail, members: [{ poolId: P1, port: 80, address: '10.1.0.7', name: 'w', id: 'mY', status: 'ACTIVE' }] } }));
        group.createsNotBefore = null;
        built('i2', 's2');
        await convergeGroup(deps, g1);
        expect(store.rows(g1).filter((r) => r.kind === 'workflow_terminate').map((r) => [r.outcome, r.reason])).to.equal([['failed', 'load_balancer']]);
        expect(group.status).to.equal('ACTIVE');
    });

    it('waits out a busy load balancer and a server the listing lost sight of, and a pause does not hold it', async () => {
        const { octavia, group, deps, built } = setup([{ poolId: P1, port: 80 }], { desired: 2, paused: true });
        built('i1', 's1');
        group.ledger[0] = { ...group.ledger[0] as FakeGroup['ledger'][0], state: 'joining' };
        group.memberStages = [
            { intentId: 'i1', serverId: 's1', event: 'launch', stageIndex: 0, last: true, detail: { targets: [{ poolId: P1, port: 80 }], drainingTimeoutS: 0, members: [] } },
            { intentId: 'i9', serverId: 'missing', event: 'launch', stageIndex: 0, last: true, detail: { targets: [{ poolId: P1, port: 80 }], drainingTimeoutS: 0, members: [] } }
        ];
        octavia.failNext('createMember', lbError('busy'));
        const result = await convergeGroup(deps, g1);
        expect(result.outcome).to.equal('wait');           // paused, holding a create, and a stage still running
        expect(result.plan?.outcome).to.equal('hold');
        expect(octavia.calls).to.equal(['checkPool p1', 'createMember p1 10.1.0.7:80']);
        expect(group.memberStages.map((m) => m.detail.members.length)).to.equal([0, 0]);
    });

    it('drives no stage without Octavia, on an unknown listing, or under a kill-switch all', async () => {
        const target: MemberTarget[] = [{ poolId: P1, port: 80 }];
        const stage = { intentId: 'i1', serverId: 's1', event: 'launch' as const, stageIndex: 0, last: true, detail: { targets: target, drainingTimeoutS: 0, members: [] } };
        const none = setup(target, { desired: 1 }, { members: undefined });
        none.built('i1', 's1');
        none.group.memberStages = [stage];
        expect((await convergeGroup({ ...none.deps }, g1)).outcome).to.equal('wait');

        const unknown = setup(target, { desired: 1 });
        unknown.built('i1', 's1');
        unknown.group.memberStages = [stage];
        unknown.compute.failNext('listServers', computeError('unavailable'));
        await convergeGroup(unknown.deps, g1);
        const switched = setup(target, { desired: 1, killSwitches: [{ scope: { kind: 'global' }, mode: 'all', reason: 'incident', who: 'ops', expiresAt: null }] });
        switched.built('i1', 's1');
        switched.group.memberStages = [stage];
        await convergeGroup(switched.deps, g1);
        expect([unknown.octavia.calls, switched.octavia.calls]).to.equal([[], []]);
    });

    it('lets an error that is not Octavia\'s escape (a bug is not an outcome)', async () => {
        const { octavia, deps, built } = setup([{ poolId: P1, port: 80 }], { desired: 1 });
        built('i1', 's1');
        octavia.failNext('createMember', new TypeError('boom'));
        await expect(convergeGroup(deps, g1)).to.reject(TypeError, 'boom');
    });

    it('sends no create whose record the ledger did not take (the stage ended elsewhere), and looks again', async () => {
        const { store, octavia, group, deps, built } = setup([{ poolId: P1, port: 80 }], { desired: 1 }, { maxPasses: 2 });
        built('i1', 's1');
        store.writeMembersDetails = async (_groupId, writes) => writes.map(() => false);
        const result = await convergeGroup(deps, g1);
        expect(result.passes).to.equal(2);
        expect(octavia.calls).to.equal([]);
        expect(states(group)).to.equal(['joining']);
    });

    it('counts nothing when another instance ended the stage first', async () => {
        const { store, group, deps, built } = setup([{ poolId: P1, port: 80 }], { desired: 1 });
        built('i1', 's1');
        store.finishMembersStages = async (finishes) => finishes.map(() => false);
        await convergeGroup(deps, g1);
        expect(store.calls.filter((c) => c.startsWith('setGroupError'))).to.equal([]);
        expect(states(group)).to.equal(['joining']);
    });
});
