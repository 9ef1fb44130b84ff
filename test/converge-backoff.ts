// Backoff of a group whose builds keep failing, and the storm guard, against
// the simulator over real HTTP with the manual clock.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { NovaCompute } from '../adapters/nova/compute';
import { type Compute } from '../core/ports/compute';
import { ComputeError } from '../core/model/server';
import { withRig, type Rig } from './support/converge';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const baseMs = 10_000;
const posts = (rig: Rig) => rig.sim.requests.filter((r) => r.service === 'compute' && r.method === 'POST' && r.path.endsWith('/servers')).length;
const rigOptions = { plugin: { converger: { recheckMs: 0, orphanGraceS: 60, backoffBaseMs: baseMs, backoffCapMs: 160_000, stormGuard: false as const } } };

// Every server of the group still building goes ERROR.
const breakBuilds = (rig: Rig, groupId: string) => {
    for (const s of rig.ours(groupId).filter((v) => v.status === 'BUILD')) {
        rig.sim.setServerStatus(s.id, 'ERROR');
    }
};

describe('converge: backoff and storm guard', () => {

    it('backs off a group whose builds keep going ERROR, doubling the wait, and a success resets it', async () => {
        await withRig(rigOptions, async (rig) => {
            const groupId = await rig.createGroup();
            await rig.scaleTo(groupId, 1);
            await rig.converge(groupId);
            expect(posts(rig)).to.equal(1);

            // Failure 1: the ERROR server is deleted, its replacement waits 10 s.
            breakBuilds(rig, groupId);
            expect((await rig.converge(groupId)).outcome).to.equal('wait');
            expect(posts(rig)).to.equal(1);
            expect(rig.sim.requests.some((r) => r.service === 'compute' && r.method === 'DELETE')).to.be.true();
            rig.clock.advance(baseMs - 1000);
            await rig.converge(groupId);
            expect(posts(rig)).to.equal(1);
            rig.clock.advance(1000);
            await rig.converge(groupId);
            expect(posts(rig)).to.equal(2);

            // Failure 2: the wait doubles to 20 s.
            breakBuilds(rig, groupId);
            await rig.converge(groupId);
            rig.clock.advance(baseMs);
            await rig.converge(groupId);
            expect(posts(rig)).to.equal(2);
            rig.clock.advance(baseMs);
            await rig.converge(groupId);
            expect(posts(rig)).to.equal(3);

            // Failure 3: 40 s.
            breakBuilds(rig, groupId);
            await rig.converge(groupId);
            rig.clock.advance(3 * baseMs);
            await rig.converge(groupId);
            expect(posts(rig)).to.equal(3);
            rig.clock.advance(baseMs);
            await rig.converge(groupId);
            expect(posts(rig)).to.equal(4);

            const backoffs = (await rig.activity(groupId)).filter((a) => a.reason === 'backoff').map((a) => a.message);
            expect(backoffs).to.have.length(3);     // one row per backoff
            expect(backoffs.join('\n')).to.contain('1 failed build in a row: no create for 10 s');
            expect(backoffs.join('\n')).to.contain('2 failed builds in a row: no create for 20 s');
            expect(backoffs.join('\n')).to.contain('3 failed builds in a row: no create for 40 s');

            // A build reaching ACTIVE resets the run: the next failure waits 10 s again.
            rig.clock.advance(60_000);
            expect((await rig.converge(groupId)).outcome).to.equal('done');
            expect(rig.ours(groupId).map((s) => s.status)).to.equal(['ACTIVE']);
            rig.sim.setServerStatus(String(rig.ours(groupId)[0]?.id), 'ERROR');
            await rig.converge(groupId);
            rig.clock.advance(baseMs);
            await rig.converge(groupId);
            expect(posts(rig)).to.equal(5);
            const last = (await rig.activity(groupId)).filter((a) => a.reason === 'backoff').map((a) => a.message);
            expect(last).to.have.length(4);
            expect(last.join('\n').match(/1 failed build in a row: no create for 10 s/g)).to.have.length(2);
        });
    });

    it('backs off creates refused for quota, and deletes still happen', async () => {
        await withRig(rigOptions, async (rig) => {
            const groupId = await rig.createGroup();
            rig.sim.setQuota(rig.tenant, 0);
            await rig.scaleTo(groupId, 2);
            await rig.converge(groupId);
            const tried = posts(rig);
            expect(tried).to.be.at.least(1);
            // Within the backoff: no create at all, however often it runs.
            await rig.converge(groupId);
            await rig.converge(groupId);
            expect(posts(rig)).to.equal(tried);
            rig.sim.setQuota(rig.tenant, null);
            rig.clock.advance(160_000);
            await rig.converge(groupId);
            expect(rig.ours(groupId)).to.have.length(2);
            expect((await rig.activity(groupId)).some((a) => a.reason === 'backoff')).to.be.true();
        });
    });

    it('paces creations when most of the region wants to scale up at once, and the activity says so', async () => {
        let open = false;
        const gated = (inner: Compute): Compute => ({
            createServer: (scope, server) => (open ? inner.createServer(scope, server) : Promise.reject(new ComputeError('held', 'gate closed', null, 1))),
            listServers: (scope) => inner.listServers(scope),
            deleteServer: (scope, id) => inner.deleteServer(scope, id)
        });
        await withRig({
            compute: (account, clock) => gated(new NovaCompute(account, { clock })),
            // minWanting 6 and threshold 0: paced whenever 6 groups (this test's) want servers, whatever else the shared database holds.
            plugin: { converger: { recheckMs: 0, orphanGraceS: 60, backoffBaseMs: 0, stormGuard: { shareThreshold: 0, minWanting: 6, regionCreatesPerS: 1 } } }
        }, async (rig) => {
            const groups: string[] = [];
            for (let i = 0; i < 6; i++) {
                const groupId = await rig.createGroup();
                await rig.scaleTo(groupId, 3);    // its kicked run finds the gate closed: nothing created
                groups.push(groupId);
            }

            for (const groupId of groups) {
                await rig.converge(groupId);
            }

            open = true;
            rig.clock.advance(60_000);    // past any pacing the gated runs started
            rig.sim.clearRequests();
            for (const groupId of groups) {
                expect((await rig.converge(groupId)).outcome).to.equal('wait');
                expect(rig.ours(groupId)).to.have.length(1);    // its share: one create, not three
            }

            expect(posts(rig)).to.equal(6);

            // Paced: no more before the share's time has passed (1/s over ≥ 6 groups: ≥ 6 s).
            await rig.converge(groups[0] ?? '');
            expect(posts(rig)).to.equal(6);
            rig.clock.advance(60_000);
            await rig.converge(groups[0] ?? '');
            expect(rig.ours(groups[0] ?? '')).to.have.length(2);

            const rows = (await rig.activity(groups[1] ?? '')).filter((a) => a.reason === 'storm_guard');
            expect(rows.length).to.be.at.least(1);    // the gated runs were paced too; the newest first
            expect(rows[0]?.message).to.match(/^storm guard: \d+ of \d+ groups \(\d+ %\) in the region want to scale up; creations paced to [\d.]+\/s per group: 1 of 3 creates now/);
        });
    });
});
