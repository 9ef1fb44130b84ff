// Observe (core/converge/observe.ts): a failed listing is unknown, never
// empty; what a plan teaches the ledger is only what moved; the create
// request is the customer's server with our name and metadata.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { observationOf, observeListing, serverRequest, writesNothing } from '../../../core/converge/observe';
import { planConvergence, type Plan } from '../../../core/converge/plan';
import { GroupId, TenantId } from '../../../core/model/ids';
import type { LedgerEntry } from '../../../core/model/ledger';
import type { NovaServer } from '../../../core/model/server';
import type { ConvergenceSnapshot } from '../../../core/ports/convergence';
import { computeError, FakeCompute, ledgerEntry, TestClock } from '../../support/fake-convergence';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const clock = new TestClock();
const now = clock.now();
const hourAgo = new Date(now.getTime() - 3_600_000);
const scope = { projectId: 't1', region: null };

describe('observeListing', () => {

    it('answers the whole listing as known', async () => {
        const compute = new FakeCompute(clock);
        compute.add('t1', { id: 's1' });
        const listing = await observeListing(compute, scope);
        expect(listing.kind).to.equal('known');
        expect(listing.kind === 'known' ? listing.servers.map((s) => s.id) : null).to.equal(['s1']);
    });

    it('answers a listing Nova failed as unknown, with the kind and message: never as empty', async () => {
        const compute = new FakeCompute(clock);
        compute.failNext('listServers', computeError('unavailable'));
        expect(await observeListing(compute, scope)).to.equal({ kind: 'unknown', reason: 'unavailable: Nova said unavailable' });
    });

    it('lets an error that is not a ComputeError escape', async () => {
        const compute = new FakeCompute(clock);
        compute.failNext('listServers', new Error('bug'));
        await expect(observeListing(compute, scope)).to.reject(Error, 'bug');
    });
});

describe('serverRequest', () => {

    it('sends args.server as given, with the name suffix and our metadata added (ours win)', () => {
        const intentId = '0a1b2c3d-4e5f-4000-8000-000000000000';
        const launch = { name: 'web', flavorRef: '1', networks: 'auto', user_data: 'eA==', metadata: { team: 'x', 'autoscale:group_id': 'forged' } };
        expect(serverRequest(launch, 'g1', intentId)).to.equal({
            name: 'web-as0a1b2c3d', flavorRef: '1', networks: 'auto', user_data: 'eA==',
            metadata: { team: 'x', 'autoscale:group_id': 'g1', 'autoscale:intent_id': intentId }
        });
        expect(serverRequest({ flavorRef: '1' }, 'g1', intentId)).to.include({ name: 'server-as0a1b2c3d' });
        expect(launch.metadata['autoscale:group_id']).to.equal('forged');   // the launch config itself is not changed
    });

    it('adds our metadata to none when the launch configuration has none, or null', () => {
        const intentId = '0a1b2c3d-4e5f-4000-8000-000000000000';
        for (const metadata of [undefined, null, 'not an object']) {
            expect(serverRequest({ name: 'web', metadata }, 'g1', intentId).metadata, String(metadata)).to.equal({
                'autoscale:group_id': 'g1', 'autoscale:intent_id': intentId
            });
        }
    });
});

describe('observationOf', () => {

    const entry = (intentId: string, serverId: string | null, state: LedgerEntry['state']): LedgerEntry => ledgerEntry({ intentId, serverId, state, createdAt: hourAgo });
    const server = (id: string, intentId: string, status = 'ACTIVE'): NovaServer => ({
        id, name: id, status, taskState: null, addresses: [], created: hourAgo, metadata: { 'autoscale:group_id': 'g1', 'autoscale:intent_id': intentId }
    });
    const snapOf = (ledger: LedgerEntry[], orphans: ConvergenceSnapshot['orphans'] = [], extra: Partial<ConvergenceSnapshot> = {}): ConvergenceSnapshot => ({
        groupId: GroupId('g1'), tenantId: TenantId('t1'), desired: ledger.length, maxEntities: 10, paused: false, status: 'ACTIVE', launchServer: {}, workflow: { type: 'builtin' }, loadBalancers: [], drainingTimeoutS: 0, memberStages: [],
        ledger, orphans, killSwitches: [], buildFailures: 0, createsNotBefore: null, ...extra
    });
    // Builds time out after two hours here: the ledger's entries are an hour old.
    const planOf = (snap: ConvergenceSnapshot, servers: NovaServer[] | null): Plan => planConvergence({
        groupId: 'g1', desired: snap.desired, maxEntities: snap.maxEntities, ledger: snap.ledger, now, buildTimeoutS: 7200, orphanGraceS: 7200,
        listing: servers === null ? { kind: 'unknown', reason: 'down' } : { kind: 'known', servers }, knownOrphans: snap.orphans, paused: snap.paused, killSwitch: 'none', joins: false
    });

    it('writes only the ledger states that moved (a failed server\'s is the delete\'s to change): a steady group writes nothing per server', () => {
        const snap = snapOf([entry('i1', 's1', 'active'), entry('i2', 's2', 'building'), entry('i3', 's3', 'intent'), entry('i4', 's4', 'active')]);
        const servers = [server('s1', 'i1'), server('s2', 'i2'), server('s3', 'i3', 'BUILD'), server('s4', 'i4', 'ERROR')];
        const o = observationOf(snap, { kind: 'known', servers }, planOf(snap, servers));
        expect(o.states).to.equal([{ intentId: 'i2', state: 'active' }, { intentId: 'i3', state: 'building' }]);
        expect(o.activity).to.equal([]);
    });

    it('rows for an adoption, a retirement, a new orphan (not one already known) and a hold', () => {
        const snap = snapOf([entry('i1', null, 'intent'), entry('i2', 'gone1', 'active')], [{ serverId: 'o-known', since: hourAgo }], { paused: false });
        const servers = [server('s1', 'i1'), server('o-known', 'nope'), server('o-new', 'nope2')];
        const plan = planOf({ ...snap, desired: 5 }, servers);
        const o = observationOf(snap, { kind: 'known', servers }, { ...plan, holds: [{ reason: 'kill_switch', message: 'held', withheld: { create: 1, deletes: 0 } }] });
        expect(o.adopts).to.equal([{ intentId: 'i1', serverId: 's1' }]);
        expect(o.retires).to.equal([{ intentId: 'i2', reason: 'vanished' }]);
        expect(o.orphans?.map((x) => x.serverId)).to.equal(['o-known', 'o-new']);
        expect(o.activity.map((r) => [r.kind, r.outcome, r.reason])).to.equal([
            ['adopt', 'done', 'adopted'], ['retire', 'done', 'vanished'], ['orphan', 'done', 'orphan'], ['hold', 'refused', 'kill_switch']
        ]);
        expect(o.activity[2]?.message).to.contain('o-new');
        expect(o.activity.every((r) => r.source === 'converger' && r.desiredBefore === 2 && r.desiredAfter === 2)).to.be.true();
    });

    it('writes nothing for a pass that learnt nothing: the orphans it had, the same servers first seen at the same times, in any order', () => {
        const orphan = (id: string): NovaServer => ({ ...server(id, `none-${id}`), created: new Date(hourAgo.getTime() - 60_000) });
        const servers = [server('s1', 'i1'), orphan('o2'), orphan('o1')];
        const had = [{ serverId: 'o1', since: hourAgo }, { serverId: 'o2', since: hourAgo }];
        const snap = snapOf([entry('i1', 's1', 'active')], had);
        const plan = { ...planOf(snap, servers), outcome: 'done' as const, holds: [] };
        const same = observationOf(snap, { kind: 'known', servers }, plan);
        expect(same.orphans).to.equal(null);
        expect(writesNothing(same)).to.be.true();

        const later = observationOf({ ...snap, orphans: [had[0] as ConvergenceSnapshot['orphans'][number], { serverId: 'o2', since: now }] }, { kind: 'known', servers }, plan);
        expect(later.orphans?.map((o) => [o.serverId, o.since.getTime()])).to.equal([['o1', hourAgo.getTime()], ['o2', hourAgo.getTime()]]);
        expect(writesNothing(later)).to.be.false();
        const gone = observationOf(snap, { kind: 'known', servers: servers.slice(0, 2) }, planOf(snap, servers.slice(0, 2)));
        expect(gone.orphans?.map((o) => o.serverId)).to.equal(['o2']);
        expect(writesNothing(gone)).to.be.false();
        const moved = observationOf(snapOf([entry('i1', 's1', 'building')], had), { kind: 'known', servers }, plan);
        expect([moved.orphans, moved.states.length, writesNothing(moved)]).to.equal([null, 1, false]);
        expect(writesNothing({ ...same, adopts: [{ intentId: 'i1', serverId: 's1' }] })).to.be.false();
        expect(writesNothing({ ...same, retires: [{ intentId: 'i1', reason: 'vanished' }] })).to.be.false();
        expect(writesNothing({ ...same, activity: moved.activity.concat(later.activity, [{ source: 'converger', who: 'c', kind: 'hold', outcome: 'refused', reason: 'paused', message: 'm', desiredBefore: 1, desiredAfter: 1 }]) })).to.be.false();
    });

    it('keeps the orphans it had when the listing is unknown (null: nothing to write)', () => {
        const snap = snapOf([entry('i1', 's1', 'active')], [{ serverId: 'o1', since: hourAgo }]);
        const o = observationOf(snap, { kind: 'unknown', reason: 'down' }, planOf(snap, null));
        expect(o.orphans).to.equal(null);
        expect(o.activity.map((r) => r.reason)).to.equal(['listing_unknown']);
    });
});
