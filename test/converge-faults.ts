// The converger through Nova's faults, against the simulator over real HTTP:
// every scenario counts the group's servers exactly at every poll.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { buildDelayMs, statuses, withRig, type Rig } from './support/converge';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

// A group at `n` ACTIVE servers.
const settled = async (rig: Rig, n: number, config: Record<string, unknown> = {}): Promise<string> => {
    const groupId = await rig.createGroup(config);
    await rig.scaleTo(groupId, n);
    await rig.converge(groupId);
    rig.clock.advance(buildDelayMs);
    expect((await rig.converge(groupId)).outcome).to.equal('done');
    expect(statuses(rig.ours(groupId))).to.equal(Array.from({ length: n }, () => 'ACTIVE'));
    return groupId;
};

const computeCalls = (rig: Rig, method: string) => rig.sim.requests.filter((r) => r.service === 'compute' && r.method === method);

describe('converge: faults', () => {

    it('replaces an out-of-band delete', async () => {
        await withRig({}, async (rig) => {
            const groupId = await settled(rig, 2);
            const [victim] = rig.ours(groupId);
            rig.sim.deleteServerOutOfBand(String(victim?.id));
            expect(rig.ours(groupId)).to.have.length(1);

            await rig.converge(groupId);
            expect(statuses(rig.ours(groupId))).to.equal(['ACTIVE', 'BUILD']);
            const reasons = (await rig.activity(groupId)).filter((a) => a.source === 'converger').map((a) => `${a.kind}:${a.reason}`);
            expect(reasons).to.include(['retire:vanished', 'create:scale_up']);
        });
    });

    it('replaces an ERROR build without going over the maximum', async () => {
        await withRig({ sim: { deleteDelayMs: 5000 } }, async (rig) => {
            const groupId = await settled(rig, 3, { maxEntities: 3 });
            const [broken] = rig.ours(groupId);
            rig.sim.setServerStatus(String(broken?.id), 'ERROR');

            // The failed server is deleted; its replacement waits until it is gone (max 3).
            await rig.converge(groupId);
            expect(statuses(rig.ours(groupId))).to.equal(['ACTIVE', 'ACTIVE', 'DELETING']);
            rig.clock.advance(2000);
            await rig.converge(groupId);
            expect(rig.ours(groupId)).to.have.length(3);

            rig.clock.advance(3000);
            await rig.converge(groupId);
            expect(statuses(rig.ours(groupId))).to.equal(['ACTIVE', 'ACTIVE', 'BUILD']);
            rig.clock.advance(buildDelayMs);
            expect((await rig.converge(groupId)).outcome).to.equal('done');
            expect(statuses(rig.ours(groupId))).to.equal(['ACTIVE', 'ACTIVE', 'ACTIVE']);
            expect(rig.ours(groupId).map((s) => s.id)).to.not.include(broken?.id);

            const rows = (await rig.activity(groupId)).filter((a) => a.source === 'converger');
            expect(rows.some((a) => a.kind === 'delete' && a.reason === 'error')).to.be.true();
            expect(rows.some((a) => a.kind === 'create' && a.reason === 'scale_up')).to.be.true();
        });
    });

    it('adopts a create answered 500 that did happen, with no overshoot', async () => {
        await withRig({}, async (rig) => {
            const groupId = await rig.createGroup();
            rig.sim.faults.add({ service: 'compute', method: 'POST', path: '/servers', status: 500, passThrough: true, times: 1 });
            await rig.scaleTo(groupId, 2);   // kicks a run: its first create is answered 500, yet happens
            await rig.converge(groupId);
            expect(rig.ours(groupId)).to.have.length(2);

            for (let i = 0; i < 3; i++) {
                await rig.converge(groupId);
                expect(rig.ours(groupId)).to.have.length(2);
            }

            rig.clock.advance(buildDelayMs);
            expect((await rig.converge(groupId)).outcome).to.equal('done');
            expect(statuses(rig.ours(groupId))).to.equal(['ACTIVE', 'ACTIVE']);
            expect(computeCalls(rig, 'POST')).to.have.length(2);
            const rows = (await rig.activity(groupId)).filter((a) => a.source === 'converger');
            expect(rows.filter((a) => a.kind === 'adopt')).to.have.length(1);
            expect(rows.filter((a) => a.kind === 'create' && a.outcome === 'failed' && a.reason === 'server_error')).to.have.length(1);
            expect((await rig.state(groupId))).to.include({ activeCapacity: 2, pendingCapacity: 0 });
        });
    });

    it('puts the group in ERROR with the message on a quota refusal, and recovers when quota returns', async () => {
        await withRig({}, async (rig) => {
            const groupId = await rig.createGroup();
            rig.sim.setQuota(rig.tenant, 1);
            await rig.scaleTo(groupId, 3);
            await rig.converge(groupId);
            expect(rig.ours(groupId)).to.have.length(1);
            const failed = await rig.state(groupId);
            expect(failed.status).to.equal('ERROR');
            expect((failed.errors as { message: string }[])[0]?.message).to.match(/Quota exceeded/);
            expect(failed).to.include({ pendingCapacity: 1 });   // refused creates are not pending

            rig.sim.setQuota(rig.tenant, null);
            await rig.converge(groupId);
            expect(rig.ours(groupId)).to.have.length(3);
            const recovered = await rig.state(groupId);
            expect(recovered).to.include({ status: 'ACTIVE', errors: [] });
            const rows = (await rig.activity(groupId)).filter((a) => a.source === 'converger');
            const refusals = rows.filter((a) => a.kind === 'create' && a.outcome === 'failed');
            expect(refusals.length).to.be.at.least(2);   // each run tries again: the kicked one and ours
            expect(refusals.every((a) => a.reason === 'quota')).to.be.true();
            expect(rows.map((a) => a.reason)).to.include(['group_error', 'recovered']);
        });
    });

    it('puts the group in ERROR on a bad image (400)', async () => {
        await withRig({}, async (rig) => {
            const groupId = await rig.createGroup({}, { imageRef: '00000000-0000-0000-0000-000000000000' });
            await rig.scaleTo(groupId, 1);
            await rig.converge(groupId);
            expect(rig.ours(groupId)).to.have.length(0);
            const state = await rig.state(groupId);
            expect(state).to.include({ status: 'ERROR', pendingCapacity: 0 });
            expect((await rig.activity(groupId)).some((a) => a.kind === 'create' && a.reason === 'bad_request')).to.be.true();
        });
    });

    it('holds on a failed listing: no delete, no scale-in, and says so', async () => {
        await withRig({}, async (rig) => {
            const groupId = await settled(rig, 2);
            rig.sim.faults.add({ service: 'compute', method: 'GET', path: '/servers/detail', status: 500 });
            rig.sim.clearRequests();
            await rig.scaleTo(groupId, 0);
            expect((await rig.converge(groupId)).outcome).to.equal('hold');
            expect((await rig.converge(groupId)).outcome).to.equal('hold');
            expect(rig.ours(groupId)).to.have.length(2);
            expect(computeCalls(rig, 'DELETE')).to.have.length(0);
            expect(computeCalls(rig, 'POST')).to.have.length(0);
            expect((await rig.activity(groupId)).some((a) => a.kind === 'hold' && a.reason === 'listing_unknown')).to.be.true();

            rig.sim.faults.clear();
            await rig.converge(groupId);
            expect(statuses(rig.ours(groupId))).to.equal([]);
        });
    });

    it('never touches a server without our metadata', async () => {
        await withRig({}, async (rig) => {
            const groupId = await rig.createGroup();
            const foreign = rig.sim.addServer(rig.tenant, { name: `web-as12345678`, status: 'ERROR' });
            const otherGroup = rig.sim.addServer(rig.tenant, { name: 'x', metadata: { 'autoscale:group_id': 'not-this-group' } });
            await rig.scaleTo(groupId, 1);
            await rig.converge(groupId);
            rig.clock.advance(3600_000);
            await rig.scaleTo(groupId, 0);
            await rig.converge(groupId);
            await rig.converge(groupId);

            const ids = rig.sim.servers(rig.tenant).map((s) => s.id).sort();
            expect(ids).to.equal([foreign.id, otherGroup.id].sort());
            const touched = rig.sim.requests.filter((r) => r.service === 'compute' && (r.path.includes(foreign.id) || r.path.includes(otherGroup.id)));
            expect(touched).to.have.length(0);
            expect((await rig.state(groupId)).orphans).to.equal([]);
        });
    });

    it('reports an orphan, never counts it, and deletes it after the grace period', async () => {
        await withRig({}, async (rig) => {
            const groupId = await settled(rig, 1);
            const orphan = rig.sim.addServer(rig.tenant, { name: 'stray', metadata: { 'autoscale:group_id': groupId } });

            expect((await rig.converge(groupId)).outcome).to.equal('wait');
            const state = await rig.state(groupId);
            expect(state.orphans).to.equal([{ id: orphan.id }]);
            expect(state).to.include({ activeCapacity: 1, status: 'ACTIVE' });
            expect((await rig.activity(groupId)).filter((a) => a.kind === 'orphan')).to.have.length(1);

            rig.clock.advance(59_000);
            await rig.converge(groupId);
            expect(rig.ours(groupId).map((s) => s.id)).to.include(orphan.id);
            expect((await rig.activity(groupId)).filter((a) => a.kind === 'orphan')).to.have.length(1);   // reported once

            rig.clock.advance(1000);
            await rig.converge(groupId);
            expect(rig.ours(groupId).map((s) => s.id)).to.not.include(orphan.id);
            expect(rig.ours(groupId)).to.have.length(1);
            expect((await rig.converge(groupId)).outcome).to.equal('done');
            expect((await rig.state(groupId)).orphans).to.equal([]);
            expect((await rig.activity(groupId)).some((a) => a.kind === 'delete' && a.reason === 'orphan')).to.be.true();
        });
    });

    it('a paused group is not converged; resume converges it', async () => {
        await withRig({}, async (rig) => {
            const groupId = await settled(rig, 2);
            expect((await rig.api('POST', `/${rig.tenant}/groups/${groupId}/pause`)).statusCode).to.equal(204);
            rig.sim.deleteServerOutOfBand(String(rig.ours(groupId)[0]?.id));
            expect((await rig.converge(groupId)).outcome).to.equal('hold');
            expect(rig.ours(groupId)).to.have.length(1);
            expect((await rig.activity(groupId)).some((a) => a.kind === 'hold' && a.reason === 'paused')).to.be.true();
            expect((await rig.api('POST', `/${rig.tenant}/groups/${groupId}/converge`)).statusCode).to.equal(403);
            expect(rig.ours(groupId)).to.have.length(1);

            expect((await rig.api('POST', `/${rig.tenant}/groups/${groupId}/resume`)).statusCode).to.equal(204);
            await rig.converge(groupId);   // after the run resume kicked
            expect(rig.ours(groupId)).to.have.length(2);
        });
    });

    it("a kill-switch in mode 'all' stops deletes as well as creates", async () => {
        await withRig({}, async (rig) => {
            const groupId = await settled(rig, 2);
            const store = rig.server.plugins['nova-autoscale'].stores;
            if (!store) {
                throw new Error('no store');
            }

            await rig.scaleTo(groupId, 0);
            await store.supervision.setKillSwitch({ scope: { kind: 'global' }, mode: 'all', reason: 'incident', who: 'ops', expiresAt: null }, rig.clock.now());
            try {
                await rig.converge(groupId);   // the kicked run may have acted before the switch: count from here
                const left = rig.ours(groupId).length;
                rig.sim.clearRequests();
                rig.sim.deleteServerOutOfBand(String(rig.ours(groupId)[0]?.id ?? 'none'));
                rig.sim.addServer(rig.tenant, { name: 'stray', metadata: { 'autoscale:group_id': groupId } });
                rig.clock.advance(3600_000);
                await rig.converge(groupId);
                expect(computeCalls(rig, 'DELETE')).to.have.length(0);
                expect(computeCalls(rig, 'POST')).to.have.length(0);
                expect(rig.ours(groupId).length).to.equal(Math.max(left - 1, 0) + 1);
            }
            finally {
                await store.supervision.clearKillSwitch({ kind: 'global' }, 'test', new Date());
            }

            rig.clock.advance(60_000);   // the stray's grace runs from its first sighting
            await rig.converge(groupId);
            expect(rig.ours(groupId)).to.have.length(0);
        });
    });
});
