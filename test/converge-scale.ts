// The converger against the simulator over real HTTP: scaling up and down,
// counted exactly at every poll, never above the maximum.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { buildDelayMs, statuses, withRig } from './support/converge';
import { field } from './support/server';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('converge: scale up and down', () => {

    it('scales up to desired with exact counts at every poll, tagged and named as the contract says', async () => {
        await withRig({}, async (rig) => {
            const groupId = await rig.createGroup({ maxEntities: 4 });
            expect(rig.ours(groupId)).to.have.length(0);

            await rig.scaleTo(groupId, 4);
            const first = await rig.converge(groupId);
            expect(statuses(rig.ours(groupId))).to.equal(['BUILD', 'BUILD', 'BUILD', 'BUILD']);
            expect(['wait', 'done']).to.include(first.outcome);

            const building = await rig.state(groupId);
            expect(building).to.include({ desiredCapacity: 4, activeCapacity: 0, pendingCapacity: 4, status: 'ACTIVE' });

            for (const server of rig.ours(groupId)) {
                expect(server.name).to.match(/^web-as[0-9a-f]{8}$/);
                expect(server.metadata.team).to.equal('web');          // the customer's own metadata kept
                expect(server.metadata['autoscale:intent_id']).to.match(/^[0-9a-f-]{36}$/);
                expect(server.name.slice(-8)).to.equal(server.metadata['autoscale:intent_id']?.replace(/-/g, '').slice(0, 8));
            }

            // More runs while they build: nothing more is created.
            for (let i = 0; i < 3; i++) {
                rig.clock.advance(1000);
                await rig.converge(groupId);
                expect(rig.ours(groupId)).to.have.length(4);
            }

            rig.clock.advance(buildDelayMs);
            expect((await rig.converge(groupId)).outcome).to.equal('done');
            expect(statuses(rig.ours(groupId))).to.equal(['ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE']);
            const state = await rig.state(groupId);
            expect(state).to.include({ activeCapacity: 4, pendingCapacity: 0 });
            expect((state.active as { id: string }[]).map((s) => s.id).sort()).to.equal(rig.ours(groupId).map((s) => s.id).sort());

            // A policy of +10 at max is refused: nothing above max, ever.
            const up = await rig.api('POST', `/${rig.tenant}/groups/${groupId}/policies`, [{ name: 'up10', cooldown: 0, type: 'webhook', change: 10 }]);
            const refused = await rig.api('POST', `/${rig.tenant}/groups/${groupId}/policies/${String(field(up.result, 'policies', 0, 'id'))}/execute`);
            expect(refused.statusCode).to.equal(403);
            await rig.converge(groupId);
            expect(rig.ours(groupId)).to.have.length(4);

            const creates = (await rig.activity(groupId)).filter((a) => a.source === 'converger' && a.kind === 'create');
            expect(creates).to.have.length(4);
            expect(creates.every((a) => a.outcome === 'done' && a.reason === 'scale_up')).to.be.true();
        });
    });

    it('scales down building servers first, then the newest active', async () => {
        await withRig({}, async (rig) => {
            const groupId = await rig.createGroup();
            const order: string[] = [];
            for (let n = 1; n <= 3; n++) {
                await rig.scaleTo(groupId, n);
                await rig.converge(groupId);
                const newest = rig.ours(groupId).find((s) => !order.includes(s.id));
                order.push(String(newest?.id));
                rig.clock.advance(1000);
            }

            rig.clock.advance(buildDelayMs);
            await rig.converge(groupId);
            expect(statuses(rig.ours(groupId))).to.equal(['ACTIVE', 'ACTIVE', 'ACTIVE']);

            await rig.scaleTo(groupId, 4);
            await rig.converge(groupId);
            const building = rig.ours(groupId).find((s) => s.status === 'BUILD');
            expect(building).to.exist();

            rig.sim.clearRequests();
            await rig.scaleTo(groupId, 2);
            await rig.converge(groupId);
            const deleted = rig.sim.requests.filter((r) => r.service === 'compute' && r.method === 'DELETE').map((r) => r.path.split('/').pop());
            expect(deleted.sort()).to.equal([building?.id, order[2]].sort());
            expect(rig.ours(groupId).map((s) => s.id).sort()).to.equal([order[0], order[1]].sort());

            const downs = (await rig.activity(groupId)).filter((a) => a.kind === 'delete');
            expect(downs.map((a) => a.reason)).to.equal(['scale_down', 'scale_down']);
        });
    });

    it('one sweep covers every group, a batch at a time, however many there are', async () => {
        await withRig({ plugin: { converger: { recheckMs: 0, orphanGraceS: 60, backoffBaseMs: 0, stormGuard: false, sweepBatch: 2 } } }, async (rig) => {
            const groups = [];
            for (let i = 0; i < 5; i++) {
                const groupId = await rig.createGroup({ maxEntities: 2 });
                await rig.scaleTo(groupId, 1);
                groups.push(groupId);
            }

            const results = await rig.server.plugins['nova-autoscale'].sweepOnce();
            for (const groupId of groups) {
                expect(results.map((r) => r.groupId)).to.include(groupId);
                expect(rig.ours(groupId), groupId).to.have.length(1);
            }
        });
    });
});
