// The groups service (core/engine/groups.ts): reads and plain writes go to
// the store as they are (creates with the tenant's limits), a group's state
// with a kill-switch's hold on it, and a write that moves desired capacity is
// decided under the group's lock and kicks the converger.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { groups, type Groups } from '../../../core/engine/groups';
import { DomainError } from '../../../core/model/errors';
import { defaultLimits, type Group, type GroupSpec } from '../../../core/model/group';
import { GroupId, PolicyId, TenantId, WebhookId } from '../../../core/model/ids';
import type { KillSwitch } from '../../../core/model/kill-switch';
import type { LaunchReference } from '../../../core/model/launch-references';
import type { CapabilityTarget, PolicySpec } from '../../../core/model/policy';
import type { GroupsStore } from '../../../core/ports/groups';
import { CustomerToken, type LaunchVisibility } from '../../../core/ports/launch-visibility';
import { fakeGroupsStore, fakeSupervision, groupConfig, launchConfig, makeGroup, manualClock, type FakeSupervision, type ManualClock, type StoreCall } from './fakes';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const t1 = TenantId('t1');
const g1 = GroupId('g1');
const p1 = PolicyId('p1');
const w1 = WebhookId('w1');
const limits = { ...defaultLimits, maxGroups: 3 };

interface World {
    readonly sup: FakeSupervision;
    readonly calls: StoreCall[];
    readonly kicks: string[];
    readonly service: Groups;
    readonly clock: ManualClock;
}

const world = (desired = 2, status: 'ACTIVE' | 'DELETING' = 'ACTIVE', reads: Partial<GroupsStore> = {}, visibility: LaunchVisibility | null = null): World => {
    const sup = fakeSupervision();
    const store = fakeGroupsStore();
    const kicks: string[] = [];
    sup.addGroup(makeGroup('g1', { desired, status, config: { minEntities: 1, maxEntities: 5 } }));
    const clock = manualClock();
    return {
        sup, calls: store.calls, kicks, clock,
        service: groups({ store: { ...store.store, ...reads }, supervision: sup.store, clock, limits, kick: (id) => kicks.push(id), region: 'r1', visibility, loadBalancers: false })
    };
};

const killSwitch = (mode: KillSwitch['mode'], scope: KillSwitch['scope'] = { kind: 'global' }): KillSwitch => ({ scope, mode, reason: 'Nova upgrade', who: 'op', expiresAt: null });

// The locked group with `active` servers in service.
const inService = (w: World, active: number): void => {
    const row = w.sup.groups.get(g1);
    if (row) {
        row.group = { ...row.group, state: { ...row.group.state, activeCapacity: active } };
    }
};

// A project that cannot see the things whose ids are listed, and the questions it was asked.
const visibleExcept = (hidden: readonly string[]) => {
    const asked: { token: string; tenantId: string; refs: readonly LaunchReference[] }[] = [];
    const visibility: LaunchVisibility = {
        unseen: (token, tenantId, refs) => {
            asked.push({ token, tenantId, refs });
            return Promise.resolve(refs.filter((ref) => hidden.includes(ref.id)));
        }
    };
    return { asked, visibility };
};

const token = CustomerToken('tok-a');

const spec = (minEntities: number): GroupSpec => ({ config: groupConfig({ minEntities }), launch: launchConfig, policies: [] });
const policySpec: PolicySpec = { name: 'up', cooldown: 0, adjustment: { change: 1 }, trigger: { type: 'webhook' } };

describe('groups', () => {

    it('creates a group with the tenant\'s limits, and kicks it when it starts with servers to make', async () => {
        const w = world();
        const empty = await w.service.createGroup(t1, spec(0), null);
        expect(empty.group.state.desiredCapacity).to.equal(0);
        expect(w.kicks).to.equal([]);
        const two = await w.service.createGroup(t1, spec(2), null);
        expect(w.kicks).to.equal([two.group.id]);
        expect(w.calls).to.equal([{ method: 'createGroup', args: [t1, spec(0), limits] }, { method: 'createGroup', args: [t1, spec(2), limits] }]);
    });

    it('hands reads and plain writes to the store as they are, creates with the limits', async () => {
        const w = world();
        const page = { limit: 10 };
        const target: CapabilityTarget = { tenantId: t1, groupId: g1, policyId: p1, webhookId: w1 };
        const answers = [
            await w.service.ready(),
            await w.service.listGroups(t1, page),
            await w.service.getGroup(t1, g1),
            await w.service.getGroupWithPolicies(t1, g1),
            await w.service.createPolicies(t1, g1, [policySpec]),
            await w.service.listPolicies(t1, g1, page),
            await w.service.getPolicy(t1, g1, p1),
            await w.service.updatePolicy(t1, g1, p1, policySpec),
            await w.service.deletePolicy(t1, g1, p1),
            await w.service.createWebhooks(t1, g1, p1, [{ name: 'h', metadata: {} }]),
            await w.service.listWebhooks(t1, g1, p1, page),
            await w.service.getWebhook(t1, g1, p1, w1),
            await w.service.updateWebhook(t1, g1, p1, w1, { name: 'h2', metadata: { a: 'b' } }),
            await w.service.deleteWebhook(t1, g1, p1, w1),
            await w.service.webhooksOfGroup(t1, g1),
            await w.service.findCapability('hash'),
            await w.service.recordRejectedBody(target, 'not JSON'),
            await w.service.listActivity(t1, g1, page),
            await w.service.pruneActivity(20)
        ];
        expect(w.calls).to.equal([
            { method: 'ready', args: [] },
            { method: 'listGroups', args: [t1, page] },
            { method: 'getGroup', args: [t1, g1] },
            { method: 'getGroupWithPolicies', args: [t1, g1] },
            { method: 'createPolicies', args: [t1, g1, [policySpec], limits] },
            { method: 'listPolicies', args: [t1, g1, page] },
            { method: 'getPolicy', args: [t1, g1, p1] },
            { method: 'updatePolicy', args: [t1, g1, p1, policySpec] },
            { method: 'deletePolicy', args: [t1, g1, p1] },
            { method: 'createWebhooks', args: [t1, g1, p1, [{ name: 'h', metadata: {} }], limits] },
            { method: 'listWebhooks', args: [t1, g1, p1, page] },
            { method: 'getWebhook', args: [t1, g1, p1, w1] },
            { method: 'updateWebhook', args: [t1, g1, p1, w1, { name: 'h2', metadata: { a: 'b' } }] },
            { method: 'deleteWebhook', args: [t1, g1, p1, w1] },
            { method: 'webhooksOfGroup', args: [t1, g1] },
            { method: 'findCapability', args: ['hash'] },
            { method: 'recordRejectedBody', args: [target, 'not JSON'] },
            { method: 'listActivity', args: [t1, g1, page] },
            { method: 'pruneActivity', args: [20] }
        ]);
        expect(answers[16]).to.equal('9');
        expect(answers[18]).to.equal(7);
        expect(w.kicks).to.equal([]);
        expect(w.sup.locks).to.equal([]);
    });

    it('moves desired into a new config\'s bounds, says so, and kicks', async () => {
        const w = world(2);
        await w.service.updateConfig(t1, g1, groupConfig({ minEntities: 3, maxEntities: 5 }), 'ops');
        const row = w.sup.groups.get(g1);
        expect(row?.group.config).to.include({ minEntities: 3, maxEntities: 5 });
        expect(row?.group.state.desiredCapacity).to.equal(3);
        expect(w.sup.activity.map((a) => [a.kind, a.reason, a.desiredBefore, a.desiredAfter, a.who])).to.equal([['config', 'at_min', 2, 3, 'ops']]);
        expect(w.kicks).to.equal(['g1']);
    });

    it('writes a config that still holds desired without an activity row', async () => {
        const w = world(2);
        await w.service.updateConfig(t1, g1, groupConfig({ name: 'renamed', minEntities: 0, maxEntities: 5 }), 'ops');
        expect(w.sup.groups.get(g1)?.group.config.name).to.equal('renamed');
        expect(w.sup.groups.get(g1)?.group.state.desiredCapacity).to.equal(2);
        expect(w.sup.activity).to.equal([]);
        expect(w.kicks).to.equal(['g1']);
    });

    it('records a config change a kill-switch holds: desired moves, the row says what waits and why', async () => {
        const cases: [name: string, switches: KillSwitch[], min: number, max: number, desired: number, reason: string, held: string | null][] = [
            ['`all` raising', [killSwitch('all')], 3, 5, 3, 'kill_switch', 'global (all) set by op holds the creates'],
            ['`all` lowering', [killSwitch('all')], 1, 1, 1, 'kill_switch', 'global (all) set by op holds the deletes'],
            ['`scale-up` raising', [killSwitch('scale-up')], 3, 5, 3, 'kill_switch', 'global (scale-up) set by op holds the creates'],
            ['`scale-up` lowering', [killSwitch('scale-up')], 1, 1, 1, 'at_max', null],
            ['the installation\'s region', [killSwitch('all', { kind: 'region', region: 'r1' })], 3, 5, 3, 'kill_switch', 'region:r1 (all) set by op holds the creates'],
            ['another region', [killSwitch('all', { kind: 'region', region: 'r2' })], 3, 5, 3, 'at_min', null]
        ];
        for (const [name, switches, min, max, desired, reason, held] of cases) {
            const w = world(2);
            inService(w, 2);
            for (const s of switches) {
                await w.sup.store.setKillSwitch(s, new Date());
            }

            await w.service.updateConfig(t1, g1, groupConfig({ minEntities: min, maxEntities: max }), 'ops');
            const row = w.sup.groups.get(g1);
            expect(row?.group.config, name).to.include({ minEntities: min, maxEntities: max });
            expect(row?.group.state.desiredCapacity, name).to.equal(desired);
            expect(w.sup.activity.map((a) => [a.kind, a.outcome, a.reason, a.desiredBefore, a.desiredAfter]), name).to.equal([['config', 'accepted', reason, 2, desired]]);
            expect(w.sup.activity[0]?.message.includes('until it lifts: Nova upgrade'), name).to.equal(held !== null);
            if (held !== null) {
                expect(w.sup.activity[0]?.message, name).to.contain(held);
            }

            expect(w.kicks, name).to.equal(['g1']);
        }
    });

    it('shows a kill-switch holding a group in every read of its state, and nothing within a second of its lifting', async () => {
        const unmet: Group = makeGroup('g1', { desired: 3 });
        const w = world(2, 'ACTIVE', {
            listGroups: async () => ({ items: [unmet], next: 'm' }),
            getGroup: async () => unmet,
            getGroupWithPolicies: async () => ({ group: unmet, policies: [] })
        });
        const reads = async () => [
            (await w.service.listGroups(t1, { limit: 10 })).items[0]?.state,
            (await w.service.getGroup(t1, g1)).state,
            (await w.service.getGroupWithPolicies(t1, g1)).group.state
        ];
        await w.sup.store.setKillSwitch(killSwitch('all'), new Date());
        const message = 'Desired 3, 0 in service or on the way: kill-switch global (all) set by op holds the creates until it lifts: Nova upgrade';
        for (const state of await reads()) {
            expect(state).to.equal({ ...unmet.state, errors: [{ message }] });
        }

        expect((await w.service.listGroups(t1, { limit: 10 })).next).to.equal('m');
        await w.sup.store.clearKillSwitch({ kind: 'global' }, 'test', w.clock.now());
        // The switches are read once a second: the lift shows once that second is over.
        expect((await w.service.getGroup(t1, g1)).state.errors).to.equal([{ message }]);
        w.clock.advance(1000);
        for (const state of await reads()) {
            expect(state).to.equal(unmet.state);
        }
    });

    it('writes a launch configuration under the lock, without a new version or a kick', async () => {
        const w = world();
        const version = w.sup.groups.get(g1)?.version;
        const launch = { type: 'launch_server' as const, args: { server: { name: 'api', flavorRef: '2' } } };
        await w.service.updateLaunch(t1, g1, launch, null);
        expect(w.sup.groups.get(g1)?.group.launch).to.equal(launch);
        expect(w.sup.groups.get(g1)?.version).to.equal(version);
        expect(w.sup.locks).to.equal(['group:g1']);
        expect(w.kicks).to.equal([]);
    });

    describe('launch visibility', () => {

        const named = { type: 'launch_server' as const, args: { server: { imageRef: 'img-b', flavorRef: '2', networks: [{ uuid: 'net-a' }, { uuid: 'net-b' }] } } };

        it('asks with the writer\'s token what the project cannot see, and refuses a new group naming the first such field', async () => {
            const { asked, visibility } = visibleExcept(['net-b', 'img-b']);
            const w = world(2, 'ACTIVE', {}, visibility);
            const err = await expect(w.service.createGroup(t1, { ...spec(1), launch: named }, token)).to.reject(DomainError);
            expect(err.kind).to.equal('bad_request');
            expect(err.details).to.equal({ field: 'launchConfiguration.args.server.imageRef' });
            expect(err.message).to.equal('Not visible to project t1: "launchConfiguration.args.server.imageRef" (image img-b), "launchConfiguration.args.server.networks.1.uuid" (network net-b)');
            expect(asked.map((a) => [a.token, a.tenantId, a.refs.length])).to.equal([['tok-a', 't1', 4]]);
            expect(w.calls).to.equal([]);
            expect(w.kicks).to.equal([]);
        });

        it('refuses a launch configuration update before the group is locked, naming the field from args', async () => {
            const { visibility } = visibleExcept(['net-b']);
            const w = world(2, 'ACTIVE', {}, visibility);
            const before = w.sup.groups.get(g1)?.group.launch;
            const err = await expect(w.service.updateLaunch(t1, g1, named, token)).to.reject(DomainError);
            expect(err.details).to.equal({ field: 'args.server.networks.1.uuid' });
            expect(w.sup.groups.get(g1)?.group.launch).to.equal(before);
            expect(w.sup.locks).to.equal([]);
        });

        it('stores what the project can see', async () => {
            const { asked, visibility } = visibleExcept([]);
            const w = world(2, 'ACTIVE', {}, visibility);
            await w.service.updateLaunch(t1, g1, named, token);
            await w.service.createGroup(t1, { ...spec(0), launch: named }, token);
            expect(w.sup.groups.get(g1)?.group.launch).to.equal(named);
            expect(w.calls.map((c) => c.method)).to.equal(['createGroup']);
            expect(asked).to.have.length(2);
        });

        it('asks nothing without a token (the host\'s own auth) or without OpenStack of ours', async () => {
            const { asked, visibility } = visibleExcept(['img-b']);
            await world(2, 'ACTIVE', {}, visibility).service.updateLaunch(t1, g1, named, null);
            await world(2, 'ACTIVE', {}, null).service.updateLaunch(t1, g1, named, token);
            expect(asked).to.equal([]);
        });
    });

    describe('deleteGroup', () => {

        it('deletes an empty group at once', async () => {
            const w = world(0);
            expect(await w.service.deleteGroup(t1, g1, false, 'ops')).to.equal('deleted');
            expect(w.sup.groups.has(g1)).to.be.false();
            expect(w.kicks).to.equal([]);
        });

        it('refuses a group with servers unless forced, writing nothing', async () => {
            const w = world(2);
            w.sup.addServer('g1', 's1', 'i1');
            const err = await expect(w.service.deleteGroup(t1, g1, false, 'ops')).to.reject(DomainError);
            expect(err.type).to.equal('GroupNotEmptyError');
            expect(w.sup.groups.get(g1)?.group.state).to.include({ desiredCapacity: 2, status: 'ACTIVE' });
            expect(w.kicks).to.equal([]);
        });

        it('scales a forced group to 0 and leaves it DELETING for the converger, recorded once', async () => {
            const w = world(2);
            w.sup.addServer('g1', 's1', 'i1');
            expect(await w.service.deleteGroup(t1, g1, true, 'ops')).to.equal('deleting');
            expect(w.sup.groups.get(g1)?.group.state).to.include({ desiredCapacity: 0, status: 'DELETING' });
            expect(w.sup.activity.map((a) => [a.kind, a.reason, a.desiredBefore, a.desiredAfter])).to.equal([['delete_group', 'forced', 2, 0]]);
            expect(w.kicks).to.equal(['g1']);
            expect(await w.service.deleteGroup(t1, g1, true, 'ops')).to.equal('deleting');
            expect(w.sup.activity).to.have.length(1);
            expect(w.kicks).to.equal(['g1', 'g1']);
        });
    });
});
