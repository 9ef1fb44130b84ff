// The members stage's pure step and fold (core/converge/members.ts): what to
// ask Octavia next from the records, the server and the time, and what each
// answer makes of the records.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { foldOutcome, memberFailureReason, membersStep, type KnownMember, type MemberAction, type MemberOutcome } from '../../../core/converge/members';
import type { LoadBalancerErrorKind } from '../../../core/model/load-balancer';
import type { MemberRecord, MembersDetail } from '../../../core/model/members';
import type { ServerAddress } from '../../../core/model/server';
import type { PoolMember } from '../../../core/ports/load-balancers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const now = new Date('2030-01-01T12:00:00Z');
const at = (s: number): Date => new Date(now.getTime() + s * 1000);
const fixed = (addr: string, network = 'public'): ServerAddress => ({ network, addr, version: 4, type: 'fixed' });
const server = { name: 'web-as1', addresses: [fixed('10.0.0.5'), fixed('192.168.1.9', 'private')] };

const detail = (fields: Partial<MembersDetail> = {}): MembersDetail => ({ targets: [], drainingTimeoutS: 0, members: [], ...fields });
const record = (fields: Partial<MemberRecord> = {}): MemberRecord =>
    ({ poolId: 'p1', port: 80, address: '10.0.0.5', name: 'web-as1', id: 'm1', status: 'ACTIVE', ...fields });
const known = (fields: Partial<MemberRecord> = {}): KnownMember => ({ ...record(fields), id: fields.id ?? 'm1' });
const member = (fields: Partial<PoolMember> = {}): PoolMember => ({
    id: 'm1', name: 'web-as1', address: '10.0.0.5', protocolPort: 80, subnetId: null, weight: 1, provisioningStatus: 'ACTIVE', operatingStatus: 'ONLINE', projectId: 't1', ...fields
});

const launch = (d: MembersDetail, s: typeof server | null = server) => membersStep({ event: 'launch', detail: d, server: s, now });
const terminate = (d: MembersDetail, when = now) => membersStep({ event: 'terminate', detail: d, server: null, now: when });
const kinds = (step: ReturnType<typeof membersStep>): string[] => (step.kind === 'act' ? step.actions.map((a) => a.kind) : [step.kind]);

describe('membersStep: launch', () => {

    it('ends abandon with what refused, before anything else', () => {
        expect(launch(detail({ refused: 'Pool p1: gone', targets: [{ loadBalancerId: 'lb', port: 80 }] }))).to.equal({ kind: 'end', result: 'abandon', message: 'Pool p1: gone' });
    });

    it('resolves a load balancer\'s pools and a subnet\'s CIDR first, once each', () => {
        const d = detail({ targets: [{ loadBalancerId: 'lb', port: 80 }, { poolId: 'p1', port: 80, subnetId: 's1' }, { poolId: 'p2', port: 80, subnetId: 's1' }, { poolId: 'p3', port: 80, subnetId: 's2', cidr: '10.0.0.0/24' }] });
        const step = launch(d);
        expect(step).to.equal({ kind: 'act', detail: d, actions: [{ kind: 'resolve', loadBalancerId: 'lb' }, { kind: 'subnet', subnetId: 's1' }] });
    });

    it('waits for a server the listing does not show', () => {
        expect(launch(detail({ targets: [{ poolId: 'p1', port: 80 }] }), null)).to.equal({ kind: 'wait', until: null });
    });

    it('creates a member per pool and port at the server\'s first fixed IPv4 (or the one in its subnet), recording it first', () => {
        const d = detail({ targets: [{ poolId: 'p1', port: 80 }, { poolId: 'p2', port: 8080, subnetId: 's1', cidr: '192.168.0.0/16', weight: 5 }] });
        const step = launch(d);
        const records = [
            { poolId: 'p1', port: 80, address: '10.0.0.5', name: 'web-as1', id: null, status: null },
            { poolId: 'p2', port: 8080, address: '192.168.1.9', name: 'web-as1', id: null, status: null }
        ];
        expect(step).to.equal({
            kind: 'act', detail: { ...d, members: records }, actions: [
                { kind: 'create', record: records[0] as MemberRecord, spec: { address: '10.0.0.5', protocolPort: 80, name: 'web-as1' } },
                { kind: 'create', record: records[1] as MemberRecord, spec: { address: '192.168.1.9', protocolPort: 8080, name: 'web-as1', subnetId: 's1', weight: 5 } }
            ]
        });
    });

    it('ends abandon, naming the pool, for a server with no fixed IPv4 (in the subnet, when one is named)', () => {
        const floating = { name: 'x', addresses: [{ network: 'public', addr: '203.0.113.1', version: 4 as const, type: 'floating' as const }] };
        expect(launch(detail({ targets: [{ poolId: 'p1', port: 80 }] }), floating)).to.equal({ kind: 'end', result: 'abandon', message: 'Pool p1: the server has no fixed IPv4 address to join it with' });
        expect(launch(detail({ targets: [{ poolId: 'p1', port: 80, subnetId: 's1', cidr: '172.16.0.0/12' }] }))).to.equal({
            kind: 'end', result: 'abandon', message: 'Pool p1: the server has no fixed IPv4 address in subnet s1 to join it with'
        });
    });

    it('finds a record whose create answer was lost, looks at one not ACTIVE, and keeps the records as they were', () => {
        const lost = record({ id: null, status: null });
        const pending = known({ poolId: 'p2', id: 'm2', status: 'PENDING_CREATE' });
        const d = detail({ targets: [{ poolId: 'p1', port: 80 }, { poolId: 'p2', port: 80 }, { poolId: 'p3', port: 80 }], members: [lost, pending, record({ poolId: 'p3', id: 'm3' })] });
        const step = launch(d);
        expect(step).to.equal({ kind: 'act', detail: d, actions: [{ kind: 'find', record: lost }, { kind: 'poll', record: pending }] });
        expect(step.kind === 'act' && step.detail).to.shallow.equal(d);
    });

    it('ends continue once every member is ACTIVE', () => {
        expect(launch(detail({ targets: [{ poolId: 'p1', port: 80 }], members: [record()] }))).to.equal({ kind: 'end', result: 'continue' });
    });
});

describe('membersStep: terminate', () => {

    it('ends abandon with what refused', () => {
        expect(terminate(detail({ refused: 'Pool p1: no', members: [record()] }))).to.equal({ kind: 'end', result: 'abandon', message: 'Pool p1: no' });
    });

    it('sets weight 0 on every member of ours, finding first one whose create answer was lost', () => {
        const lost = record({ id: null, status: null });
        const d = detail({ members: [lost, known({ poolId: 'p2', id: 'm2' }), known({ poolId: 'p3', id: 'm3', drained: true })] });
        expect(terminate(d)).to.equal({ kind: 'act', detail: d, actions: [{ kind: 'find', record: lost }, { kind: 'drain', record: known({ poolId: 'p2', id: 'm2' }) }] });
    });

    it('ends continue with no member left', () => {
        expect(terminate(detail())).to.equal({ kind: 'end', result: 'continue' });
    });

    it('waits drainingTimeoutS from the last weight set, then deletes, looks while PENDING_DELETE, and deletes again what is not', () => {
        const d = detail({ drainingTimeoutS: 30, drainFrom: now.toISOString(), members: [known({ drained: true }), known({ poolId: 'p2', id: 'm2', drained: true, deleted: true, status: 'PENDING_DELETE' }), known({ poolId: 'p3', id: 'm3', drained: true, deleted: true, status: 'ACTIVE' })] });
        expect(terminate(d, at(29))).to.equal({ kind: 'wait', until: at(30) });
        expect(kinds(terminate(d, at(30)))).to.equal(['delete', 'poll', 'delete']);
    });

    it('takes a drain with no time recorded as starting now', () => {
        expect(terminate(detail({ drainingTimeoutS: 10, members: [known({ drained: true })] }))).to.equal({ kind: 'wait', until: at(10) });
        expect(kinds(terminate(detail({ members: [known({ drained: true })] })))).to.equal(['delete']);
    });
});

describe('memberFailureReason', () => {

    it('says load_balancer for a refusal, load_balancer_busy for a busy one, and Nova\'s words for the rest', () => {
        const all: LoadBalancerErrorKind[] = ['busy', 'pool_gone', 'load_balancer_gone', 'refused', 'quota', 'unauthorized', 'forbidden', 'over_limit', 'unavailable', 'server_error', 'timeout', 'network', 'breaker_open', 'held'];
        expect(all.map(memberFailureReason)).to.equal([
            'load_balancer_busy', 'load_balancer', 'load_balancer', 'load_balancer', 'load_balancer', 'unauthorized', 'load_balancer', 'over_limit', 'unavailable', 'server_error', 'timeout', 'network', 'breaker_open', 'held'
        ]);
    });
});

describe('foldOutcome', () => {

    const failed = (action: MemberAction, error: LoadBalancerErrorKind): MemberOutcome => ({ kind: 'failed', action, error, message: 'Octavia says no' });
    const created = record({ id: null, status: null });
    const create: MemberAction = { kind: 'create', record: created, spec: { address: '10.0.0.5', protocolPort: 80, name: 'web-as1' } };

    it('drops a create\'s record when it cannot have happened, keeps it when it may have, and ends a refused one', () => {
        const d = detail({ members: [created] });
        const busy = foldOutcome('launch', d, failed(create, 'busy'), now);
        expect(busy).to.equal({ detail: detail(), row: { kind: 'member_create', outcome: 'failed', reason: 'load_balancer_busy', message: 'Pool p1: Octavia says no' } });
        expect(foldOutcome('launch', d, failed(create, 'timeout'), now).detail).to.equal(d);
        expect(foldOutcome('launch', d, failed(create, 'refused'), now).detail).to.equal(detail({ refused: 'Pool p1: Octavia says no' }));
    });

    it('ends a stage refused on a load balancer or subnet, naming it; a terminate takes a member gone with its pool as gone', () => {
        expect(foldOutcome('launch', detail(), failed({ kind: 'resolve', loadBalancerId: 'lb' }, 'load_balancer_gone'), now)).to.equal({
            detail: detail({ refused: 'Load balancer lb: Octavia says no' }), row: { kind: 'member_lookup', outcome: 'failed', reason: 'load_balancer', message: 'Load balancer lb: Octavia says no' }
        });
        expect(foldOutcome('launch', detail(), failed({ kind: 'subnet', subnetId: 's1' }, 'server_error'), now).detail).to.equal(detail());
        const d = detail({ members: [known()] });
        expect(foldOutcome('terminate', d, failed({ kind: 'drain', record: known() }, 'pool_gone'), now)).to.equal({
            detail: detail(), row: { kind: 'member_drain', outcome: 'failed', reason: 'load_balancer', message: 'Pool p1: Octavia says no' }
        });
        expect(foldOutcome('terminate', d, failed({ kind: 'delete', record: known() }, 'refused'), now).detail).to.equal({ ...d, refused: 'Pool p1: Octavia says no' });
        expect(foldOutcome('launch', d, failed({ kind: 'poll', record: known() }, 'pool_gone'), now).detail).to.equal({ ...d, refused: 'Pool p1: Octavia says no' });
    });

    it('writes a load balancer\'s pools in its place, joining a pool named twice once', () => {
        const d = detail({ targets: [{ loadBalancerId: 'other', port: 80 }, { poolId: 'p1', port: 80 }, { loadBalancerId: 'lb', port: 80 }] });
        expect(foldOutcome('launch', d, { kind: 'resolve', action: { kind: 'resolve', loadBalancerId: 'lb' }, poolIds: ['p1', 'p2'] }, now)).to.equal({
            detail: detail({ targets: [{ loadBalancerId: 'other', port: 80 }, { poolId: 'p1', port: 80 }, { poolId: 'p2', port: 80 }] }), row: null
        });
    });

    it('writes a subnet\'s CIDR on its targets, and ends the stage when Neutron does not know it', () => {
        const d = detail({ targets: [{ poolId: 'p1', port: 80, subnetId: 's1' }, { poolId: 'p2', port: 80 }, { loadBalancerId: 'lb', port: 80 }] });
        const subnet: MemberAction = { kind: 'subnet', subnetId: 's1' };
        expect(foldOutcome('launch', d, { kind: 'subnet', action: subnet, cidr: '10.0.0.0/24' }, now).detail.targets[0]).to.equal({ poolId: 'p1', port: 80, subnetId: 's1', cidr: '10.0.0.0/24' });
        expect(foldOutcome('launch', d, { kind: 'subnet', action: subnet, cidr: null }, now)).to.equal({
            detail: { ...d, refused: 'Subnet s1: not found' }, row: { kind: 'member_lookup', outcome: 'failed', reason: 'load_balancer', message: 'Subnet s1: not found' }
        });
    });

    it('records the id a create answered with', () => {
        const folded = foldOutcome('launch', detail({ members: [created] }), { kind: 'create', action: create, id: 'm9' }, now);
        expect(folded).to.equal({
            detail: detail({ members: [{ ...created, id: 'm9', status: 'PENDING_CREATE' }] }),
            row: { kind: 'member_create', outcome: 'done', reason: 'joining', message: 'Server web-as1 joins pool p1 as member m9 (10.0.0.5:80)' }
        });
    });

    it('takes the member a listing shows at the record\'s address, port and name, and drops the record when none is there', () => {
        const find: MemberAction = { kind: 'find', record: created };
        const d = detail({ members: [created] });
        const others = [member({ id: 'x1', name: 'other' }), member({ id: 'x2', protocolPort: 81 }), member({ id: 'x3', address: '10.0.0.6' })];
        expect(foldOutcome('launch', d, { kind: 'find', action: find, members: [...others, member({ id: 'm7', provisioningStatus: 'PENDING_CREATE' })] }, now)).to.equal({
            detail: detail({ members: [{ ...created, id: 'm7', status: 'PENDING_CREATE' }] }),
            row: { kind: 'member_lookup', outcome: 'done', reason: 'adopted', message: 'The answer to a create was lost: member m7 of pool p1 (10.0.0.5:80) found by its address, port and name' }
        });
        expect(foldOutcome('terminate', d, { kind: 'find', action: find, members: others }, now)).to.equal({ detail: detail(), row: null });
    });

    it('follows a member\'s status: gone drops it, ERROR ends a launch, otherwise it is written down', () => {
        const pending = known({ status: 'PENDING_CREATE' });
        const d = detail({ members: [pending] });
        const poll: MemberAction = { kind: 'poll', record: pending };
        expect(foldOutcome('launch', d, { kind: 'poll', action: poll, member: null }, now)).to.equal({ detail: detail(), row: null });
        expect(foldOutcome('launch', d, { kind: 'poll', action: poll, member: member({ provisioningStatus: 'ACTIVE' }) }, now)).to.equal({ detail: detail({ members: [known()] }), row: null });
        expect(foldOutcome('launch', d, { kind: 'poll', action: poll, member: member({ provisioningStatus: 'ERROR' }) }, now)).to.equal({
            detail: detail({ members: [known({ status: 'ERROR' })], refused: 'Pool p1: member m1 is in ERROR' }),
            row: { kind: 'member_create', outcome: 'failed', reason: 'load_balancer', message: 'Pool p1: member m1 is in ERROR' }
        });
        expect(foldOutcome('terminate', d, { kind: 'poll', action: poll, member: member({ provisioningStatus: 'ERROR' }) }, now).detail).to.equal(detail({ members: [known({ status: 'ERROR' })] }));
    });

    it('marks a member drained from now, and deleted; either one gone is done with', () => {
        const d = detail({ drainingTimeoutS: 5, members: [known()] });
        expect(foldOutcome('terminate', d, { kind: 'drain', action: { kind: 'drain', record: known() }, answer: 'updated' }, now)).to.equal({
            detail: { ...d, members: [known({ drained: true })], drainFrom: now.toISOString() },
            row: { kind: 'member_drain', outcome: 'done', reason: 'leaving', message: 'Weight 0 for member m1 of pool p1 (10.0.0.5:80): draining for 5 s' }
        });
        expect(foldOutcome('terminate', d, { kind: 'drain', action: { kind: 'drain', record: known() }, answer: 'gone' }, now).detail.members).to.equal([]);
        expect(foldOutcome('terminate', d, { kind: 'delete', action: { kind: 'delete', record: known() }, answer: 'deleting' }, now)).to.equal({
            detail: { ...d, members: [known({ deleted: true, status: 'PENDING_DELETE' })] },
            row: { kind: 'member_delete', outcome: 'done', reason: 'left', message: 'Deleting member m1 of pool p1 (10.0.0.5:80)' }
        });
        expect(foldOutcome('terminate', d, { kind: 'delete', action: { kind: 'delete', record: known() }, answer: 'gone' }, now)).to.equal({
            detail: { ...d, members: [] }, row: { kind: 'member_delete', outcome: 'done', reason: 'left', message: 'Deleting member m1 of pool p1 (10.0.0.5:80): already gone' }
        });
    });
});
