import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { aliceToken, arr, call, createServer, ManualClock, obj, withSim } from './helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('simulator: server lifecycle on an injected clock', () => {

    it('builds for buildDelayMs, then is ACTIVE', async () => {
        const clock = new ManualClock();
        await withSim({ now: clock.now, buildDelayMs: 5000 }, async (sim) => {
            const token = aliceToken(sim);
            const id = await createServer(sim, token);
            const show = async () => obj(obj((await call('GET', `${sim.computeUrl}/servers/${id}`, { token })).json).server);

            const building = await show();
            expect(building).to.include({ status: 'BUILD', 'OS-EXT-STS:task_state': 'spawning', 'OS-EXT-STS:vm_state': 'building', 'OS-EXT-STS:power_state': 0 });
            expect(building['OS-SRV-USG:launched_at']).to.be.null();
            clock.advance(4999);
            expect((await show()).status).to.equal('BUILD');
            expect(sim.servers()[0]?.status).to.equal('BUILD');
            clock.advance(1);
            const active = await show();
            expect(active).to.include({ status: 'ACTIVE', 'OS-EXT-STS:task_state': null, 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:power_state': 1 });
            expect(active.updated).to.equal('2026-11-25T12:00:05Z');
            expect(active['OS-SRV-USG:launched_at']).to.equal('2026-11-25T12:00:05.000000');
        });
    });

    it('shows deleting for deleteDelayMs, then the server is gone', async () => {
        const clock = new ManualClock();
        await withSim({ now: clock.now, deleteDelayMs: 3000 }, async (sim) => {
            const token = aliceToken(sim);
            const id = await createServer(sim, token);
            clock.advance(1000);
            expect((await call('DELETE', `${sim.computeUrl}/servers/${id}`, { token })).status).to.equal(204);
            const listed = obj(arr(obj((await call('GET', `${sim.computeUrl}/servers/detail`, { token })).json).servers)[0]);
            expect(listed).to.include({ id, status: 'ACTIVE', 'OS-EXT-STS:task_state': 'deleting', updated: '2026-11-25T12:00:01Z' });
            clock.advance(2000);
            // A second DELETE while deleting is accepted and does not restart the clock.
            expect((await call('DELETE', `${sim.computeUrl}/servers/${id}`, { token })).status).to.equal(204);
            clock.advance(999);
            expect((await call('GET', `${sim.computeUrl}/servers/${id}`, { token })).status).to.equal(200);
            clock.advance(1);
            expect((await call('GET', `${sim.computeUrl}/servers/${id}`, { token })).status).to.equal(404);
            expect(sim.servers()).to.have.length(0);
        });
    });

    it('stops building once deleted: a building server stays BUILD while deleting', async () => {
        const clock = new ManualClock();
        await withSim({ now: clock.now, buildDelayMs: 1000, deleteDelayMs: 5000 }, async (sim) => {
            const token = aliceToken(sim);
            const id = await createServer(sim, token);
            await call('DELETE', `${sim.computeUrl}/servers/${id}`, { token });
            clock.advance(2000);
            expect(sim.servers()[0]).to.include({ status: 'BUILD', taskState: 'deleting' });
        });
    });

    it('holds a status set by hand, with a fault for ERROR', async () => {
        const clock = new ManualClock();
        await withSim({ now: clock.now, buildDelayMs: 1000 }, async (sim) => {
            const token = aliceToken(sim);
            const id = await createServer(sim, token);
            clock.advance(500);
            expect(sim.setServerStatus(id, 'ERROR')).to.be.true();
            clock.advance(5000);
            const server = obj(obj((await call('GET', `${sim.computeUrl}/servers/${id}`, { token })).json).server);
            expect(server).to.include({ status: 'ERROR', 'OS-EXT-STS:vm_state': 'error', updated: '2026-11-25T12:00:00Z' });
            expect(obj(server.fault).code).to.equal(500);
            expect(sim.setServerStatus('nope', 'ACTIVE')).to.be.false();
            expect(() => sim.setServerStatus(id, 'MELTED' as 'ERROR')).to.throw('unknown server status MELTED');
        });
    });

    it('adds servers out of band (active at once, or with the status given) and deletes them out of band', async () => {
        const clock = new ManualClock();
        await withSim({ now: clock.now, buildDelayMs: 60_000, deleteDelayMs: 60_000 }, async (sim) => {
            const orphan = sim.addServer('demo', { name: 'web-as12345678', metadata: { 'autoscale:group_id': 'g' } });
            expect(orphan).to.include({ status: 'ACTIVE', projectId: 'demo', name: 'web-as12345678', flavorId: '1' });
            expect(orphan.metadata).to.equal({ 'autoscale:group_id': 'g' });
            const stuck = sim.addServer('demo', { name: 'stuck', status: 'BUILD' });
            clock.advance(120_000);
            expect(sim.servers('demo').find((s) => s.id === stuck.id)?.status).to.equal('BUILD');
            expect(sim.deleteServerOutOfBand(orphan.id)).to.be.true();
            expect(sim.servers('demo').map((s) => s.id)).to.equal([stuck.id]);
            expect(sim.deleteServerOutOfBand(orphan.id)).to.be.false();
            expect(() => sim.addServer('nope', { name: 'x' })).to.throw('no project nope');
        });
    });
});
