// A config change under a kill-switch (contract §4, §5), end to end against
// the simulator: the tenant may change the bounds, desired moves to them in
// the same transaction, and both the activity row and the group's state say
// that the switch holds the servers that move asks for. Nova sees no call the
// switch stops; once it lifts, the converger makes up the difference.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { testKnex } from './support/database';
import { buildDelayMs, statuses, withRig, type Rig } from './support/converge';
import { field } from './support/server';

const { describe, it, afterEach } = exports.lab = Lab.script();
const { expect } = Code;

const computeCalls = (rig: Rig, method: string) => rig.sim.requests.filter((r) => r.service === 'compute' && r.method === method);

// A group settled at `n` ACTIVE servers.
const settled = async (rig: Rig, n: number): Promise<string> => {
    const groupId = await rig.createGroup({ minEntities: n });
    await rig.converge(groupId);
    rig.clock.advance(buildDelayMs);
    expect((await rig.converge(groupId)).outcome).to.equal('done');
    expect(statuses(rig.ours(groupId))).to.equal(Array.from({ length: n }, () => 'ACTIVE'));
    return groupId;
};

// A switch set or lifted shows in the groups' state within a second (reads
// take the switches a second old at most); decisions read them fresh.
const setSwitch = async (rig: Rig, mode: 'all' | 'scale-up'): Promise<void> => {
    const res = await rig.admin('PUT', '/autoscale/admin/kill-switches/global', { mode, reason: 'Nova upgrade' });
    expect(res.statusCode, res.payload).to.equal(204);
    rig.clock.advance(1000);
};

const liftSwitch = async (rig: Rig): Promise<void> => {
    const res = await rig.admin('DELETE', '/autoscale/admin/kill-switches/global');
    expect(res.statusCode, res.payload).to.equal(204);
    rig.clock.advance(1000);
};

const putConfig = async (rig: Rig, groupId: string, minEntities: number, maxEntities: number): Promise<void> => {
    const res = await rig.api('PUT', `/${rig.tenant}/groups/${groupId}/config`, { name: 'web', cooldown: 0, minEntities, maxEntities, metadata: {} });
    expect(res.statusCode, res.payload).to.equal(204);
};

const configRows = async (rig: Rig, groupId: string) => (await rig.activity(groupId)).filter((a) => a.kind === 'config');

describe('a config change under a kill-switch', () => {

    // Kill-switches are global: none may outlive its test (other files share the database).
    afterEach(async () => {
        await (await testKnex())('kill_switches').delete();
    });

    it('raising minEntities under `all`: recorded as held, shown in the state, no create until the switch lifts', async () => {
        await withRig({}, async (rig) => {
            const groupId = await settled(rig, 1);
            await setSwitch(rig, 'all');
            rig.sim.clearRequests();

            await putConfig(rig, groupId, 3, 10);
            const [row] = await configRows(rig, groupId);
            expect(row).to.include({
                source: 'manual', outcome: 'accepted', reason: 'kill_switch', desiredBefore: 1, desiredAfter: 3, who: 'alice',
                message: 'minEntities 3 is above desired 1: desired raised to 3; kill-switch global (all) set by operator holds the creates until it lifts: Nova upgrade'
            });
            const held = 'Desired 3, 1 in service or on the way: kill-switch global (all) set by operator holds the creates until it lifts: Nova upgrade';
            expect(await rig.state(groupId)).to.include({ status: 'ACTIVE', desiredCapacity: 3, activeCapacity: 1, pendingCapacity: 0, errors: [{ message: held }] });
            // The group's own view and the listing show the same state.
            const group = await rig.api('GET', `/${rig.tenant}/groups/${groupId}`);
            expect(field(group.result, 'group', 'state', 'errors')).to.equal([{ message: held }]);
            const listed = await rig.api('GET', `/${rig.tenant}/groups`);
            expect(field(listed.result, 'groups', 0, 'state', 'errors')).to.equal([{ message: held }]);

            for (let i = 0; i < 2; i++) {
                expect((await rig.converge(groupId)).outcome).to.equal('hold');
                rig.clock.advance(60_000);
            }

            expect(computeCalls(rig, 'POST')).to.have.length(0);
            expect(rig.ours(groupId)).to.have.length(1);

            await liftSwitch(rig);
            expect(await rig.state(groupId)).to.include({ desiredCapacity: 3, errors: [] });
            expect((await rig.converge(groupId)).outcome).to.equal('wait');
            expect(computeCalls(rig, 'POST')).to.have.length(2);
            rig.clock.advance(buildDelayMs);
            expect((await rig.converge(groupId)).outcome).to.equal('done');
            expect(statuses(rig.ours(groupId))).to.equal(['ACTIVE', 'ACTIVE', 'ACTIVE']);
            expect(await rig.state(groupId)).to.include({ desiredCapacity: 3, activeCapacity: 3, errors: [] });
        });
    });

    it('lowering maxEntities: `all` holds the deletes, `scale-up` lets them go but holds the creates of a raised minimum', async () => {
        await withRig({}, async (rig) => {
            const groupId = await settled(rig, 3);
            await setSwitch(rig, 'all');
            rig.sim.clearRequests();

            await putConfig(rig, groupId, 1, 1);
            expect((await configRows(rig, groupId))[0]).to.include({
                outcome: 'accepted', reason: 'kill_switch', desiredBefore: 3, desiredAfter: 1,
                message: 'maxEntities 1 is below desired 3: desired lowered to 1; kill-switch global (all) set by operator holds the deletes until it lifts: Nova upgrade'
            });
            expect(await rig.state(groupId)).to.include({
                desiredCapacity: 1, errors: [{ message: 'Desired 1, 3 in service or on the way: kill-switch global (all) set by operator holds the deletes until it lifts: Nova upgrade' }]
            });
            expect((await rig.converge(groupId)).outcome).to.equal('hold');
            expect(computeCalls(rig, 'DELETE')).to.have.length(0);

            // `scale-up` stops no delete: nothing held, the converger scales down.
            await setSwitch(rig, 'scale-up');
            expect(await rig.state(groupId)).to.include({ desiredCapacity: 1, errors: [] });
            await rig.converge(groupId);
            expect(computeCalls(rig, 'DELETE')).to.have.length(2);
            expect(rig.ours(groupId).filter((s) => s.taskState !== 'deleting')).to.have.length(1);

            // ...but it holds every create, so a raised minimum waits for it.
            await putConfig(rig, groupId, 2, 10);
            expect((await configRows(rig, groupId))[0]).to.include({
                outcome: 'accepted', reason: 'kill_switch', desiredBefore: 1, desiredAfter: 2,
                message: 'minEntities 2 is above desired 1: desired raised to 2; kill-switch global (scale-up) set by operator holds the creates until it lifts: Nova upgrade'
            });
            expect(field(await rig.state(groupId), 'errors', 0, 'message')).to.match(/^Desired 2, 1 in service or on the way: kill-switch global \(scale-up\)/);
            expect((await rig.converge(groupId)).outcome).to.equal('hold');
            expect(computeCalls(rig, 'POST')).to.have.length(0);

            await liftSwitch(rig);
            await rig.converge(groupId);
            expect(computeCalls(rig, 'POST')).to.have.length(1);
        });
    });
});
