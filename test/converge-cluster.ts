// Two plugin instances of one cluster (contract §9): the same database and
// cloud, each its own converger. A Retry-After answered to one holds the other's
// compute calls to the region, and the creation budget is spent once between them.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { testDatabaseKind } from './support/database';
import { withRig, type Rig } from './support/converge';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const rigConverger = { recheckMs: 0, orphanGraceS: 60, backoffBaseMs: 0, stormGuard: false as const };

const computeCalls = (rig: Rig): number => rig.sim.requests.filter((r) => r.service === 'compute').length;
const posts = (rig: Rig): number => rig.sim.requests.filter((r) => r.service === 'compute' && r.method === 'POST' && r.path === '/servers').length;

describe(`two instances of one cluster (${testDatabaseKind()})`, () => {

    it('a Retry-After answered to one instance holds the other\'s compute calls to the region until it has passed', async () => {
        await withRig({ plugin: { converger: rigConverger } }, async (rig) => {
            const other = await rig.join();
            const [g1, g2] = [await rig.createGroup(), await rig.createGroup()];
            rig.sim.faults.add({ service: 'compute', method: 'GET', status: 429, headers: { 'Retry-After': '20' }, times: 1 });
            // Both scaled through the first instance, whose runs (kicked, then ours after them) meet the 429 and then its own hold.
            await rig.scaleTo(g1, 1);
            await rig.converge(g1);
            await rig.scaleTo(g2, 1);
            await rig.converge(g2);
            expect(rig.sim.requests.filter((r) => r.status === 429)).to.have.length(1);

            const before = computeCalls(rig);
            const held = await other.converge(g2);
            expect(computeCalls(rig)).to.equal(before);                  // nothing sent
            expect(held.outcome).to.equal('hold');

            rig.clock.advance(19_999);
            expect((await other.converge(g2)).outcome).to.equal('hold');
            expect(computeCalls(rig)).to.equal(before);
            rig.clock.advance(1);
            await other.converge(g2);
            expect(rig.ours(g2)).to.have.length(1);
        });
    });

    it('the creation budget is one between them: what one spent, the other cannot', async () => {
        const createBudget = { createsPerS: 0.5, burst: 3, maxInFlight: 10, maxWaitMs: 0 };   // the rig's clock is a manual one: no wait
        await withRig({ plugin: { converger: { ...rigConverger, createBudget } } }, async (rig) => {
            const other = await rig.join();
            const [g1, g2] = [await rig.createGroup(), await rig.createGroup()];
            // Each scaled through its own instance, whose converger is kicked.
            await rig.scaleTo(g1, 3);
            await rig.converge(g1);
            await other.scaleTo(g2, 3);
            await other.converge(g2);
            expect(posts(rig)).to.equal(3);                               // the burst, once
            expect(rig.ours(g1)).to.have.length(3);
            expect((await rig.activity(g2)).some((a) => a.reason === 'held' && /Creation budget/.test(a.message))).to.be.true();

            rig.clock.advance(2000);                                      // one token
            await other.converge(g2);
            await rig.converge(g1);
            expect(posts(rig)).to.equal(4);
            expect(rig.ours(g2)).to.have.length(1);
        });
    });
});
