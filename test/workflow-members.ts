// The built-in workflow's members stage (contract §7, docs/workflows.md),
// end to end against the simulator over real HTTP: servers join the pools of
// args.loadBalancers once ACTIVE and are in service when every member is,
// leave them (weight 0, the drain, the delete) before Nova hears their
// delete, and never touch a member of someone else's.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import Hapi from '@hapi/hapi';
import { randomUUID } from 'node:crypto';
import { plugin } from '../plugin';
import { DEMO, demoServiceAccount, type SimMember } from '../simulator';
import type { Compute } from '../core/ports/compute';
import { buildDelayMs, startRig, withRig, type Rig, type RigOptions } from './support/converge';
import { testDatabase } from './support/database';
import { tableValidator } from './support/identity';
import { field } from './support/server';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

interface Pools {
    readonly loadBalancerId: string;
    readonly a: string;
    readonly b: string;
}

// A load balancer of the rig's tenant on the shared public subnet, with two pools.
const pools = (rig: Rig): Pools => {
    const loadBalancerId = rig.sim.addLoadBalancer({ projectId: rig.tenant, name: 'web-lb', vipSubnetId: DEMO.network.subnet.id }).id;
    return { loadBalancerId, a: rig.sim.addPool({ loadBalancerId, name: 'a' }).id, b: rig.sim.addPool({ loadBalancerId, name: 'b' }).id };
};

// A group whose servers sit on the public network (a fixed address each) and join `loadBalancers`.
const createGroup = async (rig: Rig, loadBalancers: readonly Record<string, unknown>[], args: Record<string, unknown> = {}): Promise<string> => {
    const res = await rig.api('POST', `/${rig.tenant}/groups`, {
        groupConfiguration: { name: 'web', cooldown: 0, minEntities: 0, maxEntities: 10, metadata: {} },
        launchConfiguration: {
            type: 'launch_server',
            args: { server: { name: 'web', flavorRef: DEMO.flavors.tiny.id, imageRef: DEMO.image.id, networks: [{ uuid: DEMO.network.id }] }, loadBalancers, ...args }
        }
    });
    expect(res.statusCode, res.payload).to.equal(201);
    return String(field(res.result, 'group', 'id'));
};

const addressOf = (rig: Rig, serverId: string): string | undefined => rig.sim.servers(rig.tenant).find((s) => s.id === serverId)?.addresses[0]?.address;

const inService = async (rig: Rig, groupId: string): Promise<string[]> =>
    (field(await rig.state(groupId), 'active') as { id: string }[]).map((a) => a.id);

const memberCalls = (rig: Rig, method?: string) => rig.sim.requests.filter((r) => r.service === 'load-balancer' && r.path.includes('/members') && (method === undefined || r.method === method));

// The contract's promise, checked at every look: the members taking traffic
// (weight above 0) in each pool are exactly the servers in service, no
// member is left for a server whose delete Nova has heard, and someone
// else's member is as it was.
const checkPools = async (rig: Rig, groupId: string, poolIds: readonly string[], foreign: SimMember): Promise<void> => {
    const serving = (await Promise.all((await inService(rig, groupId)).map((id) => addressOf(rig, id)))).sort();
    const going = rig.ours(groupId).filter((s) => s.taskState === 'deleting').map((s) => s.addresses[0]?.address);
    for (const poolId of poolIds) {
        const ours = rig.sim.members(poolId).filter((m) => m.id !== foreign.id);
        expect(ours.filter((m) => m.weight > 0).map((m) => m.address).sort(), `pool ${poolId}`).to.equal(serving);
        expect(ours.filter((m) => going.includes(m.address)), `pool ${poolId}: members of servers being deleted`).to.equal([]);
    }

    const still = rig.sim.members(foreign.poolId).find((m) => m.id === foreign.id);
    expect([still?.weight, still?.address, still?.provisioningStatus]).to.equal([foreign.weight, foreign.address, 'ACTIVE']);
};

// Runs the converger until it has nothing more to do now (at most `times`), checking after each.
const convergeChecking = async (rig: Rig, groupId: string, check: () => Promise<void>, times = 4): Promise<void> => {
    for (let i = 0; i < times; i++) {
        const result = await rig.converge(groupId);
        await check();
        if (result.outcome === 'done') {
            return;
        }
    }
};

describe('workflows: the members stage (Octavia)', () => {

    it('keeps two pools in step with the servers in service from 0 to 4 to 1, never touching a member of someone else\'s', async () => {
        await withRig({}, async (rig) => {
            const { a, b } = pools(rig);
            const foreign = rig.sim.addMember({ poolId: a, address: '10.20.250.250', protocolPort: 80, name: 'not-ours', weight: 7 });
            const groupId = await createGroup(rig, [{ poolId: a, port: 80 }, { poolId: b, port: 8080, weight: 3 }], { drainingTimeoutS: 30 });
            const check = () => checkPools(rig, groupId, [a, b], foreign);

            await rig.scaleTo(groupId, 4);
            await convergeChecking(rig, groupId, check, 1);
            expect(rig.sim.members(a)).to.have.length(1);
            rig.clock.advance(buildDelayMs);
            await convergeChecking(rig, groupId, check);
            let state = await rig.state(groupId);
            expect([state.activeCapacity, state.pendingCapacity]).to.equal([4, 0]);
            expect(rig.sim.members(a)).to.have.length(5);
            expect(rig.sim.members(b).map((m) => [m.protocolPort, m.weight])).to.equal(Array(4).fill([8080, 3]));
            const names = rig.ours(groupId).map((s) => s.name).sort();
            expect(rig.sim.members(b).map((m) => m.name).sort()).to.equal(names);

            await rig.scaleTo(groupId, 1);
            await convergeChecking(rig, groupId, check, 2);
            state = await rig.state(groupId);
            expect([state.desiredCapacity, state.activeCapacity]).to.equal([1, 1]);
            // Drained, not yet deleted, and Nova has heard no delete.
            expect(rig.sim.members(b).filter((m) => m.weight === 0)).to.have.length(3);
            expect(rig.sim.requests.filter((r) => r.service === 'compute' && r.method === 'DELETE')).to.equal([]);

            rig.clock.advance(30_000);
            await convergeChecking(rig, groupId, check);
            expect(rig.sim.members(a).map((m) => m.id).sort()).to.equal([foreign.id, ...rig.sim.members(a).filter((m) => m.id !== foreign.id).map((m) => m.id)].sort());
            expect(rig.sim.members(a)).to.have.length(2);
            expect(rig.sim.members(b)).to.have.length(1);
            expect(rig.ours(groupId).filter((s) => s.taskState !== 'deleting')).to.have.length(1);
            // Only our members were ever changed or deleted.
            expect(memberCalls(rig).filter((r) => r.path.includes(foreign.id))).to.equal([]);

            const rows = await rig.activity(groupId);
            expect(rows.filter((r) => r.kind === 'member_create').map((r) => r.reason)).to.equal(Array(8).fill('joining'));
            expect(rows.filter((r) => r.kind === 'member_drain').map((r) => r.reason)).to.equal(Array(6).fill('leaving'));
            expect(rows.filter((r) => r.kind === 'member_delete').map((r) => r.reason)).to.equal(Array(6).fill('left'));
            expect(rows.filter((r) => r.kind === 'workflow_launch').map((r) => r.reason)).to.equal(Array(4).fill('in_service'));
            expect(rows.filter((r) => r.kind === 'workflow_terminate').map((r) => r.reason)).to.equal(Array(3).fill('left'));
        });
    });

    it('deletes and replaces a server whose pool is gone, the group ERROR naming the pool, until a server is next in service', async () => {
        await withRig({}, async (rig) => {
            const { a } = pools(rig);
            const missing = randomUUID();
            const groupId = await createGroup(rig, [{ poolId: missing, port: 80 }]);
            await rig.scaleTo(groupId, 1);
            await rig.converge(groupId);
            const [first] = rig.ours(groupId);
            rig.clock.advance(buildDelayMs);
            await rig.converge(groupId);

            let state = await rig.state(groupId);
            expect(state.status).to.equal('ERROR');
            expect(String(field(state, 'errors', 0, 'message'))).to.contain(`Pool ${missing}`);
            // Deleted (the simulator deletes at once), and its replacement on its way.
            expect(rig.ours(groupId).filter((s) => s.taskState !== 'deleting').map((s) => s.id)).to.not.include(first?.id);
            expect(rig.ours(groupId).filter((s) => s.taskState !== 'deleting')).to.have.length(1);
            let rows = await rig.activity(groupId);
            expect(rows.filter((r) => r.kind === 'workflow_launch').map((r) => [r.outcome, r.reason])).to.equal([['failed', 'load_balancer']]);
            expect(rows.filter((r) => r.kind === 'delete').map((r) => r.reason)).to.equal(['load_balancer']);
            expect(rows.filter((r) => r.kind === 'create').map((r) => r.reason)).to.equal(['replace', 'scale_up']);

            // The customer names a pool that exists: the replacement joins it, and the group recovers.
            const put = await rig.api('PUT', `/${rig.tenant}/groups/${groupId}/launch`, {
                type: 'launch_server',
                args: { server: { name: 'web', flavorRef: DEMO.flavors.tiny.id, imageRef: DEMO.image.id, networks: [{ uuid: DEMO.network.id }] }, loadBalancers: [{ poolId: a, port: 80 }] }
            });
            expect(put.statusCode, put.payload).to.equal(204);
            rig.clock.advance(buildDelayMs);
            await rig.converge(groupId);
            state = await rig.state(groupId);
            expect([state.status, state.activeCapacity, state.errors]).to.equal(['ACTIVE', 1, []]);
            expect(rig.sim.members(a)).to.have.length(1);
            rows = await rig.activity(groupId);
            expect(rows.filter((r) => r.kind === 'status').map((r) => r.reason)).to.equal(['recovered', 'group_error']);
        });
    });

    it('counts a launch abandoned for its pool as one failed build: the backoff holds the replacement', async () => {
        await withRig({ plugin: { converger: { recheckMs: 0, orphanGraceS: 60, backoffBaseMs: 30_000, backoffCapMs: 600_000, stormGuard: false } } }, async (rig) => {
            const groupId = await createGroup(rig, [{ poolId: randomUUID(), port: 80 }]);
            await rig.scaleTo(groupId, 1);
            await rig.converge(groupId);
            rig.clock.advance(buildDelayMs);
            await rig.converge(groupId);
            await rig.converge(groupId);

            const rows = await rig.activity(groupId);
            const backoffs = rows.filter((r) => r.kind === 'backoff');
            expect(backoffs).to.have.length(1);
            expect(backoffs[0]?.message).to.startWith('1 failed build in a row: no create for 30 s');
            expect(rows.filter((r) => r.kind === 'create').map((r) => r.reason)).to.equal(['scale_up']);
            rig.clock.advance(30_000);
            await rig.converge(groupId);
            // The replacement, once the backoff is over.
            expect((await rig.activity(groupId)).filter((r) => r.kind === 'create')).to.have.length(2);
        });
    });

    it('waits out a busy load balancer (409 PENDING_UPDATE): no failure, in service once it is free', async () => {
        await withRig({}, async (rig) => {
            const { loadBalancerId, a } = pools(rig);
            const groupId = await createGroup(rig, [{ poolId: a, port: 80 }]);
            await rig.scaleTo(groupId, 1);
            await rig.converge(groupId);
            rig.clock.advance(buildDelayMs);
            rig.sim.setLoadBalancerStatus(loadBalancerId, 'PENDING_UPDATE');
            await rig.converge(groupId);
            await rig.converge(groupId);
            let state = await rig.state(groupId);
            expect([state.status, state.activeCapacity, state.pendingCapacity]).to.equal(['ACTIVE', 0, 1]);
            expect(rig.sim.members(a)).to.equal([]);
            const busy = (await rig.activity(groupId)).filter((r) => r.kind === 'member_create');
            expect(busy.length).to.be.above(0);
            expect(busy.every((r) => r.outcome === 'failed' && r.reason === 'load_balancer_busy')).to.be.true();

            rig.sim.setLoadBalancerStatus(loadBalancerId, null);
            expect((await rig.converge(groupId)).outcome).to.equal('done');
            state = await rig.state(groupId);
            expect([state.activeCapacity, state.pendingCapacity]).to.equal([1, 0]);
            expect(rig.sim.members(a)).to.have.length(1);
        });
    });

    it('finds a member whose create answer was lost by its address, port and name, and never creates it twice', async () => {
        await withRig({}, async (rig) => {
            const { a } = pools(rig);
            const groupId = await createGroup(rig, [{ poolId: a, port: 80 }]);
            await rig.scaleTo(groupId, 1);
            await rig.converge(groupId);
            rig.clock.advance(buildDelayMs);
            // Octavia makes the member, and the answer is lost on the way back.
            rig.sim.faults.add({ service: 'load-balancer', method: 'POST', path: `/v2/lbaas/pools/${a}/members`, status: 502, passThrough: true, times: 1 });
            await rig.converge(groupId);
            expect(rig.sim.members(a)).to.have.length(1);
            await rig.converge(groupId);
            expect(rig.sim.members(a)).to.have.length(1);
            expect(memberCalls(rig, 'POST')).to.have.length(1);
            const state = await rig.state(groupId);
            expect([state.activeCapacity, state.pendingCapacity]).to.equal([1, 0]);
            const rows = await rig.activity(groupId);
            expect(rows.filter((r) => r.kind === 'member_lookup').map((r) => [r.outcome, r.reason])).to.equal([['done', 'adopted']]);
            expect(rows.filter((r) => r.kind === 'member_create').map((r) => [r.outcome, r.reason])).to.equal([['failed', 'server_error']]);
        });
    });

    it('deletes a member only drainingTimeoutS after its weight went to 0 (the clock the test moves)', async () => {
        await withRig({}, async (rig) => {
            const { a } = pools(rig);
            const groupId = await createGroup(rig, [{ poolId: a, port: 80 }], { drainingTimeoutS: 60 });
            await rig.scaleTo(groupId, 1);
            await rig.converge(groupId);
            rig.clock.advance(buildDelayMs);
            await rig.converge(groupId);
            await rig.scaleTo(groupId, 0);
            const drain = await rig.converge(groupId);
            expect(drain.outcome).to.equal('wait');
            expect(drain.retryAt).to.equal(new Date(rig.clock.now().getTime() + 60_000));
            expect(rig.sim.members(a).map((m) => m.weight)).to.equal([0]);

            rig.clock.advance(59_000);
            await rig.converge(groupId);
            expect(rig.sim.members(a)).to.have.length(1);
            expect(memberCalls(rig, 'DELETE')).to.equal([]);

            rig.clock.advance(1000);
            await rig.converge(groupId);
            expect(rig.sim.members(a)).to.equal([]);
            expect(rig.ours(groupId).filter((s) => s.taskState !== 'deleting')).to.equal([]);
        });
    });

    it('joins every pool of a load balancer named by loadBalancerId', async () => {
        await withRig({}, async (rig) => {
            const { loadBalancerId, a, b } = pools(rig);
            const groupId = await createGroup(rig, [{ loadBalancerId, port: 8080 }, { poolId: a, port: 8080 }]);
            await rig.scaleTo(groupId, 2);
            await rig.converge(groupId);
            rig.clock.advance(buildDelayMs);
            await rig.converge(groupId);
            expect((await rig.state(groupId)).activeCapacity).to.equal(2);
            // The pool named twice (by itself and by its load balancer) is joined once.
            expect([rig.sim.members(a).length, rig.sim.members(b).length]).to.equal([2, 2]);
        });
    });

    it('holds member calls under a kill-switch all, and not under a pause', async () => {
        await withRig({}, async (rig) => {
            const { a } = pools(rig);
            const groupId = await createGroup(rig, [{ poolId: a, port: 80 }]);
            await rig.scaleTo(groupId, 1);
            await rig.converge(groupId);
            rig.clock.advance(buildDelayMs);
            const store = rig.server.plugins['nova-autoscale'].stores;
            if (!store) {
                throw new Error('no store');
            }

            try {
                await store.supervision.setKillSwitch({ scope: { kind: 'global' }, mode: 'all', reason: 'incident', who: 'ops', expiresAt: null }, rig.clock.now());
                rig.sim.clearRequests();
                await rig.converge(groupId);
                await rig.converge(groupId);
                expect(memberCalls(rig)).to.equal([]);
                expect((await rig.state(groupId)).pendingCapacity).to.equal(1);
            }
            finally {
                await store.supervision.clearKillSwitch({ kind: 'global' }, 'test', new Date());
            }

            expect((await rig.api('POST', `/${rig.tenant}/groups/${groupId}/pause`)).statusCode).to.equal(204);
            await rig.converge(groupId);
            expect((await rig.state(groupId)).activeCapacity).to.equal(1);
            expect(rig.sim.members(a)).to.have.length(1);
        });
    });

    it('takes a members stage up again after a restart, from the records in the ledger', async () => {
        const options: RigOptions = { sim: { memberDelayMs: 5000 } };
        const rig = await startRig(options);
        let other: Hapi.Server | null = null;
        try {
            const { a } = pools(rig);
            const groupId = await createGroup(rig, [{ poolId: a, port: 80 }]);
            await rig.scaleTo(groupId, 1);
            await rig.converge(groupId);
            rig.clock.advance(buildDelayMs);
            await rig.converge(groupId);
            expect(rig.sim.members(a).map((m) => m.provisioningStatus)).to.equal(['PENDING_CREATE']);
            await rig.server.plugins['nova-autoscale'].engine.stop();

            other = Hapi.server();
            await other.register({
                plugin,
                options: {
                    schedules: { intervalMs: 0 },
                    database: { knex: (await testDatabase()).knex }, clock: rig.clock,
                    openstack: { tokenValidator: tableValidator({}), serviceAccount: demoServiceAccount(rig.sim) },
                    converger: { recheckMs: 0, backoffBaseMs: 0, stormGuard: false }, alerts: { intervalMs: 0, pruneIntervalMs: 0 }
                }
            }, { routes: { prefix: '/autoscale' } });
            await other.initialize();
            rig.clock.advance(5000);
            await other.plugins['nova-autoscale'].convergeOnce(groupId);
            expect(rig.sim.members(a).map((m) => m.provisioningStatus)).to.equal(['ACTIVE']);
            expect(memberCalls(rig, 'POST')).to.have.length(1);
            const state = await rig.state(groupId);
            expect([state.activeCapacity, state.pendingCapacity]).to.equal([1, 0]);
        }
        finally {
            await other?.stop();
            await rig.stop();
        }
    });

    it('refuses load balancers when the host makes servers with its own Compute and no service account reaches Octavia', async () => {
        const compute: Compute = { createServer: async () => ({ id: 'x' }), listServers: async () => [], deleteServer: async () => 'gone' };
        await withRig({ plugin: { openstack: { tokenValidator: tableValidator({ tok: { projectId: 'p1', user: 'alice' } }), compute } } }, async (rig) => {
            const res = await rig.api('POST', '/p1/groups', {
                groupConfiguration: { name: 'web', cooldown: 0, minEntities: 0 },
                launchConfiguration: { type: 'launch_server', args: { server: { flavorRef: '1' }, loadBalancers: [{ poolId: randomUUID(), port: 80 }] } }
            });
            expect(res.statusCode).to.equal(400);
            expect(field(res.result, 'error', 'details', 'field')).to.equal('launchConfiguration.args.loadBalancers');
            const plain = await rig.api('POST', '/p1/groups', {
                groupConfiguration: { name: 'web', cooldown: 0, minEntities: 0 },
                launchConfiguration: { type: 'launch_server', args: { server: { flavorRef: '1' }, loadBalancers: [] } }
            });
            expect(plain.statusCode).to.equal(201);
        });
    });
});
