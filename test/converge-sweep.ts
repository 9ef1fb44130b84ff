// The self-heal sweep over many groups: each project listed once a page, a
// steady group costs no write and no per-server call, and a group out of line
// is put right in the same sweep.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type { Rig } from './support/converge';
import { buildDelayMs, withRig } from './support/converge';
import { testKnex } from './support/database';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const options = { plugin: { converger: { recheckMs: 0, orphanGraceS: 60, backoffBaseMs: 0, stormGuard: false as const, sweepBatch: 10 } } };

// n groups of `size` servers each, built and seen ACTIVE by the ledger.
const steadyGroups = async (rig: Rig, n: number, size: number): Promise<string[]> => {
    const groups: string[] = [];
    for (let i = 0; i < n; i++) {
        const groupId = await rig.createGroup({ maxEntities: 5 });
        await rig.scaleTo(groupId, size);
        await rig.converge(groupId);
        groups.push(groupId);
    }

    rig.clock.advance(buildDelayMs + 1000);
    for (const groupId of groups) {
        expect((await rig.converge(groupId)).outcome).to.equal('done');
    }

    return groups;
};

const activityCount = async (rig: Rig, groups: readonly string[]): Promise<number> =>
    (await Promise.all(groups.map((g) => rig.activity(g)))).reduce((n, rows) => n + rows.length, 0);

// The rig's project only: the test database holds other tests' groups, which a sweep looks at too.
const computeCalls = (rig: Rig) => rig.sim.requests.filter((r) => r.service === 'compute' && r.projectId === rig.tenant).map((r) => `${r.method} ${r.path}`);

// The pages of a sweep in pages of `size` that hold some of these groups: each lists their project once.
const pagesHolding = async (groups: readonly string[], size: number): Promise<number> => {
    const ids: string[] = await (await testKnex())('groups').where({ paused: false }).orderBy(['tenant_id', 'id']).pluck('id');
    return new Set(ids.flatMap((id, i) => (groups.includes(id) ? [Math.floor(i / size)] : []))).size;
};

const sweep = async (rig: Rig, groups: readonly string[]) =>
    (await rig.server.plugins['nova-autoscale'].sweepOnce()).filter((r) => groups.includes(r.groupId));

describe('converge: the sweep', () => {

    it('lists the project once for all its groups when they are steady, and writes nothing', async () => {
        await withRig(options, async (rig) => {
            const groups = await steadyGroups(rig, 4, 2);
            const before = await activityCount(rig, groups);
            rig.sim.clearRequests();

            const results = await sweep(rig, groups);
            expect(results.map((r) => r.groupId).sort()).to.equal([...groups].sort());
            expect(results.every((r) => r.outcome === 'done')).to.be.true();
            // Once a page: a page break may fall among this project's groups (the test database holds others').
            const listings = computeCalls(rig);
            expect(listings).to.equal(Array.from({ length: await pagesHolding(groups, 10) }, () => 'GET /servers/detail'));
            expect(listings.length).to.be.at.most(2);
            expect(await activityCount(rig, groups)).to.equal(before);
        });
    });

    it('puts right the one group out of line in the same sweep and leaves the others alone', async () => {
        await withRig(options, async (rig) => {
            const groups = await steadyGroups(rig, 3, 2);
            const [broken] = groups;
            const victim = rig.ours(broken ?? '')[0];
            expect(rig.sim.deleteServerOutOfBand(victim?.id ?? '')).to.be.true();
            rig.sim.clearRequests();

            const results = await sweep(rig, groups);
            const outcome = new Map<string, string>(results.map((r) => [r.groupId, r.outcome]));
            expect(outcome.get(broken ?? '')).to.not.equal('done');
            expect(groups.slice(1).map((g) => outcome.get(g))).to.equal(['done', 'done']);
            for (const groupId of groups) {
                expect(rig.ours(groupId).filter((s) => s.status !== 'DELETED'), groupId).to.have.length(2);
            }

            // One create, for the broken group only; listings: the shared one, then the broken group's own.
            const calls = computeCalls(rig);
            expect(calls.filter((c) => c === 'POST /servers')).to.have.length(1);
            expect(calls.filter((c) => c !== 'POST /servers' && c !== 'GET /servers/detail')).to.equal([]);
            const reasons = (await rig.activity(broken ?? '')).filter((a) => a.source === 'converger').map((a) => `${a.kind}:${a.reason}`);
            expect(reasons.slice(0, 2)).to.equal(['create:scale_up', 'retire:vanished']);
        });
    });

    it('pages through groups in project order, listing each project once a page', async () => {
        await withRig({ plugin: { converger: { ...options.plugin.converger, sweepBatch: 2 } } }, async (rig) => {
            const groups = await steadyGroups(rig, 5, 1);
            rig.sim.clearRequests();
            const results = await sweep(rig, groups);
            expect(new Set(results.map((r) => r.groupId)).size).to.equal(groups.length);
            // Five groups of one project in pages of two: three pages, a listing each.
            expect(await pagesHolding(groups, 2)).to.equal(3);
            expect(computeCalls(rig)).to.equal(['GET /servers/detail', 'GET /servers/detail', 'GET /servers/detail']);
        });
    });
});
