// The routes the converger serves, against the simulator over real HTTP:
// removing one server (owned only), a forced group delete, and the lease that
// keeps one converger per group.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { GroupId } from '../core/model/ids';
import { buildDelayMs, statuses, withRig, type Rig } from './support/converge';
import { testServer } from './support/server';
import { tableValidator } from './support/identity';
import { field } from './support/server';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const settled = async (rig: Rig, n: number, config: Record<string, unknown> = {}): Promise<string> => {
    const groupId = await rig.createGroup(config);
    if (n !== config.minEntities) {   // a new group starts at its minimum
        await rig.scaleTo(groupId, n);
    }

    await rig.converge(groupId);
    rig.clock.advance(buildDelayMs);
    expect((await rig.converge(groupId)).outcome).to.equal('done');
    return groupId;
};

describe('converge: routes', () => {

    it('DELETE a server with replace=false lowers desired and deletes it; replace=true replaces it', async () => {
        await withRig({}, async (rig) => {
            const groupId = await settled(rig, 3, { minEntities: 1 });
            const [a, b] = rig.ours(groupId);
            const base = `/${rig.tenant}/groups/${groupId}/servers`;

            expect((await rig.api('DELETE', `${base}/${String(a?.id)}?replace=false`)).statusCode).to.equal(202);
            await rig.converge(groupId);
            expect(rig.ours(groupId).map((s) => s.id)).to.not.include(a?.id);
            expect(rig.ours(groupId)).to.have.length(2);
            expect(await rig.state(groupId)).to.include({ desiredCapacity: 2 });
            const removal = (await rig.activity(groupId)).find((r) => r.kind === 'delete_server');
            expect(removal).to.include({ source: 'manual', outcome: 'accepted', reason: 'remove_server' });

            expect((await rig.api('DELETE', `${base}/${String(b?.id)}`)).statusCode).to.equal(202);   // replace defaults to true
            await rig.converge(groupId);
            expect(rig.ours(groupId).map((s) => s.id)).to.not.include(b?.id);
            expect(statuses(rig.ours(groupId))).to.equal(['ACTIVE', 'BUILD']);
            expect(await rig.state(groupId)).to.include({ desiredCapacity: 2 });
        });
    });

    it('DELETE a server we do not own is 404 and touches nothing; below min is 403 at_min', async () => {
        await withRig({}, async (rig) => {
            const groupId = await settled(rig, 1, { minEntities: 1 });
            const foreign = rig.sim.addServer(rig.tenant, { name: 'mine' });
            const base = `/${rig.tenant}/groups/${groupId}/servers`;
            const missing = await rig.api('DELETE', `${base}/${foreign.id}?replace=false`);
            expect(missing.statusCode).to.equal(404);
            expect(field(missing.result, 'error', 'type')).to.equal('NoSuchServerError');

            const own = String(rig.ours(groupId)[0]?.id);
            const atMin = await rig.api('DELETE', `${base}/${own}?replace=false`);
            expect(atMin.statusCode).to.equal(403);
            expect(field(atMin.result, 'error', 'details', 'reason')).to.equal('at_min');

            await rig.converge(groupId);
            expect(rig.sim.servers(rig.tenant)).to.have.length(2);
            expect(rig.sim.requests.some((r) => r.method === 'DELETE')).to.be.false();
        });
    });

    it('DELETE ?force=true on a group with servers answers 202, deletes them, then the group', async () => {
        await withRig({ sim: { deleteDelayMs: 3000 } }, async (rig) => {
            const groupId = await settled(rig, 2);
            const url = `/${rig.tenant}/groups/${groupId}`;
            expect((await rig.api('DELETE', url)).statusCode).to.equal(403);
            expect((await rig.api('DELETE', `${url}?force=true`)).statusCode).to.equal(202);
            expect(await rig.state(groupId)).to.include({ status: 'DELETING', desiredCapacity: 0 });

            await rig.converge(groupId);
            expect(statuses(rig.ours(groupId))).to.equal(['DELETING', 'DELETING']);
            expect((await rig.api('GET', url)).statusCode).to.equal(200);   // not before the deletes are verified

            rig.clock.advance(3000);
            expect((await rig.converge(groupId)).outcome).to.equal('deleted');
            expect(rig.ours(groupId)).to.have.length(0);
            expect((await rig.api('GET', url)).statusCode).to.equal(404);
        });
    });

    it('one converger per group: the lease is exclusive until released or expired', async () => {
        await withRig({}, async (rig) => {
            const groupId = GroupId(await rig.createGroup());
            const store = rig.server.plugins['nova-autoscale'].stores;
            if (!store) {
                throw new Error('no store');
            }

            const now = rig.clock.now();
            expect(await store.convergence.claimLease(groupId, 'a', now, 60_000)).to.not.be.null();
            expect(await store.convergence.claimLease(groupId, 'b', now, 60_000)).to.be.null();
            expect(await store.convergence.claimLease(groupId, 'a', now, 60_000)).to.not.be.null();          // renewed by its holder

            await rig.scaleTo(groupId, 1);
            expect((await rig.converge(groupId)).outcome).to.equal('busy');                  // held by 'a': nothing sent
            expect(rig.ours(groupId)).to.have.length(0);

            // Past its expiry and never let go (its run died): a lapsed lease, taken over.
            expect(await store.convergence.lapsedLeases(new Date(now.getTime() + 59_999), 1000)).to.not.include(groupId);
            expect(await store.convergence.lapsedLeases(new Date(now.getTime() + 60_001), 1000)).to.include(groupId);
            expect(await store.convergence.claimLease(groupId, 'b', new Date(now.getTime() + 60_000), 60_000)).to.not.be.null();  // expired: taken over
            await store.convergence.releaseLease(groupId, 'a');                                          // not a's any more: no effect
            expect(await store.convergence.claimLease(groupId, 'c', new Date(now.getTime() + 61_000), 60_000)).to.be.null();
            await store.convergence.releaseLease(groupId, 'b');
            expect((await rig.converge(groupId)).outcome).to.not.equal('busy');
            expect(rig.ours(groupId)).to.have.length(1);
            expect(await store.convergence.claimLease(GroupId('no-such-group'), 'a', now, 60_000)).to.be.null();
        });
    });

    it('without compute nor a service account no converger runs, and desired is only recorded', async () => {
        const server = await testServer({ validator: tableValidator({}) });
        try {
            const api = server.plugins['nova-autoscale'];
            expect(api.convergerEnabled).to.be.false();
            expect(await api.convergeOnce('anything')).to.equal([]);
        }
        finally {
            await server.stop();
        }
    });
});
